# One image for every tablesnap service; the command picks the service:
#   node services/<name>/src/main.ts   (node itself as PID 1: pnpm would not pass SIGTERM on)
# It carries pg_dump/pg_restore 13-17 (PGDG) so the dump worker can dump every supported major:
# /usr/bin/pg_dump is Debian's wrapper, /usr/lib/postgresql/<major>/bin/pg_dump the real tools.
FROM node:24-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg git \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      postgresql-client-13 postgresql-client-14 postgresql-client-15 \
      postgresql-client-16 postgresql-client-17 \
 && apt-get purge -y gnupg && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*

# pnpm at the version package.json pins (packageManager), through corepack.
RUN corepack enable && corepack prepare pnpm@10.34.9 --activate

WORKDIR /app
ENV NODE_ENV=production CI=true

# Manifests first so the dependency layer is cached across source changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
COPY packages ./packages
COPY services ./services
COPY tools ./tools
COPY test ./test
RUN pnpm install --frozen-lockfile

# The services run from source (Node's type stripping); no build step.
USER node
EXPOSE 8080
CMD ["node", "services/status-api/src/main.ts"]
