#!/usr/bin/env bash
# Makes sure the local PostgreSQL (127.0.0.1:5432) and NATS with JetStream (127.0.0.1:4222) the
# tests use are up, starting them the way this machine image installs them, and that Chromium
# (for the dashboard's browser test) is installed. Source or run it.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 0.5; done
  echo "services: $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "services: using DATABASE_URL for PostgreSQL" >&2
elif ! port_open 5432; then
  echo "services: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_port 5432 PostgreSQL
fi
if [ -n "${NATS_URL:-}" ]; then
  echo "services: using NATS_URL for NATS" >&2
elif ! port_open 4222; then
  echo "services: starting NATS with JetStream" >&2
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222 NATS
fi
# The dashboard's browser test drives Debian's Chromium through playwright-core.
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "services: using CHROMIUM_PATH for the browser tests" >&2
elif ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "services: the browser tests need Chromium: apt-get install chromium (as root), or set CHROMIUM_PATH" >&2
    exit 1
  fi
  echo "services: installing Chromium for the browser tests (apt-get, a few minutes once)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "services: PostgreSQL, NATS and Chromium are ready" >&2
