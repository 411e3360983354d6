import { MemoryBus, type Message } from "@tablesnap/bus";
import { type Config, loadConfig } from "@tablesnap/config";

export const SECRETS = { github: ["old-secret", "new-secret"], slack: "slack-secret" } as const;
export const TOKENS = { ci: "tok-ci-123", ops: "tok-ops-456", viewer: "tok-view-789" } as const;
export const NOW = new Date("2026-03-01T12:00:00Z");

const env = {
  TABLESNAP_DATABASE_URL: "postgres://db.example/app",
  TABLESNAP_GITHUB_REPO: "acme/backups",
  GITHUB_WEBHOOK_SECRET: SECRETS.github.join(","),
  SLACK_SIGNING_SECRET: SECRETS.slack,
  TABLESNAP_API_TOKEN: `ci:${TOKENS.ci},ops:${TOKENS.ops}`,
  TABLESNAP_VIEWER_TOKEN: `wall:${TOKENS.viewer}`,
};

/** One target `default` from the environment (default branch and `dev` trigger). */
export function envConfig(extra: Record<string, string> = {}): Config {
  return loadConfig({ ...env, ...extra });
}

/** Two targets both fed by every repository, plus one fed only by acme/web-*. */
export function multiConfig(): Config {
  const file = JSON.stringify({
    version: 1,
    targets: {
      app: { database_url: "postgres://db.example/app", repository: "acme/app-backups" },
      billing: {
        database_url: "postgres://db.example/billing",
        repository: "acme/billing-backups",
        branches: ["release/*"],
      },
      web: {
        database_url: "postgres://db.example/web",
        repository: "acme/web-backups",
        repositories: ["acme/web-*"],
      },
    },
  });
  return loadConfig({ ...env, TABLESNAP_CONFIG: "tablesnap.json" }, file);
}

/** A MemoryBus with its streams, and every trigger stored, as a coordinator would see them. */
export async function busWithInbox(): Promise<{
  bus: MemoryBus;
  inbox: Message<"trigger">[];
}> {
  const bus = new MemoryBus();
  await bus.ensureStreams();
  const inbox: Message<"trigger">[] = [];
  await bus.peer().consume("trigger", { durable: "test" }, (m) => {
    inbox.push(m);
  });
  return { bus, inbox };
}

export const silent = { info() {}, warn() {}, error() {} };
