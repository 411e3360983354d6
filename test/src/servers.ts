import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./net.ts";
import { until } from "./until.ts";

const run = promisify(execFile);

/** A server the tests use, and how to let it go (nothing when it was already running). */
export interface TestServer {
  readonly url: string;
  /** Where it came from: `environment` (already running), or `started` here. */
  readonly origin: "environment" | "started";
  stop(): Promise<void>;
}

function answers(url: string, fallbackPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(2_000, () => resolve(!s.destroy()));
    s.once("error", () => resolve(false));
    s.connect(Number(u.port || fallbackPort), u.hostname || "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
  });
}

/**
 * The PostgreSQL the tests use: `DATABASE_URL` (default the local trust-auth server on 5432) when
 * it answers; else a private cluster started here with the PostgreSQL binaries (`PG_BIN`, default
 * /usr/lib/postgresql/15/bin), run as the `postgres` user when the tests run as root. There is no
 * container path: see docs/testing.md.
 */
export async function postgresServer(): Promise<TestServer> {
  const url = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
  if (await answers(url, 5432)) return { url, origin: "environment", stop: async () => {} };
  return startPostgresCluster();
}

/**
 * A private PostgreSQL cluster of the stock binaries (`PG_BIN`, default
 * /usr/lib/postgresql/15/bin) on a free port, trust auth, with `settings` as server options
 * (`{ max_connections: "10" }`): for a test of how the backup meets a server's own limits.
 */
export async function startPostgresCluster(
  settings: Readonly<Record<string, string>> = {},
): Promise<TestServer> {
  const bin = process.env["PG_BIN"] ?? "/usr/lib/postgresql/15/bin";
  if (!existsSync(join(bin, "initdb"))) {
    throw new Error(
      `there is no ${bin}/initdb to start a PostgreSQL cluster with: set DATABASE_URL or PG_BIN`,
    );
  }
  const options = Object.entries(settings)
    .map(([k, v]) => ` -c ${k}=${v}`)
    .join("");
  const base = await mkdtemp(join(tmpdir(), "tsnap-pg-"));
  await chmod(base, 0o777);
  const data = join(base, "data");
  const port = await freePort();
  const asPostgres = (cmd: string) =>
    process.getuid?.() === 0 ? run("su", ["postgres", "-c", cmd]) : run("sh", ["-c", cmd]);
  await asPostgres(`${bin}/initdb -D ${data} -U postgres -A trust >/dev/null`);
  await asPostgres(
    `${bin}/pg_ctl -D ${data} -o "-p ${port} -k ${base} -c listen_addresses=127.0.0.1${options}" -l ${base}/log -w start >/dev/null`,
  );
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    origin: "started",
    async stop() {
      await asPostgres(`${bin}/pg_ctl -D ${data} -m immediate -w stop >/dev/null`).catch(() => {});
      await rm(base, { recursive: true, force: true });
    },
  };
}

/**
 * The NATS (with JetStream) the tests use: `NATS_URL` (default 127.0.0.1:4222) when it answers;
 * else a `nats-server -js` started here (`NATS_SERVER_BIN`, default /usr/sbin/nats-server).
 */
export async function natsServer(): Promise<TestServer> {
  const url = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
  if (await answers(url, 4222)) return { url, origin: "environment", stop: async () => {} };
  const bin = process.env["NATS_SERVER_BIN"] ?? "/usr/sbin/nats-server";
  if (!existsSync(bin)) {
    throw new Error(
      `no NATS answers at ${new URL(url).host} and there is no ${bin} to start one: set NATS_URL or NATS_SERVER_BIN`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "tsnap-nats-"));
  const port = await freePort();
  const child = spawn(bin, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], {
    stdio: "ignore",
  });
  const started = `nats://127.0.0.1:${port}`;
  await until(`nats-server on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`nats-server exited ${child.exitCode}`);
    return answers(started, port);
  });
  return {
    url: started,
    origin: "started",
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
