/**
 * A private PostgreSQL cluster (initdb + pg_ctl on a free port, trust auth, superuser
 * `postgres`) that a benchmark may stop and start at will, unlike the shared server on 5432.
 * As root the binaries run as the OS user `postgres` (initdb refuses root) through runuser.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/** Bound on one pg_ctl/initdb/psql call. */
const STEP_TIMEOUT_MS = 90_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

async function binDir(): Promise<string> {
  const fromEnv = process.env["PGBIN"];
  if (fromEnv) return fromEnv;
  for (const candidate of ["/usr/lib/postgresql/15/bin"]) {
    if (existsSync(join(candidate, "pg_ctl"))) return candidate;
  }
  const { stdout } = await execFileP("pg_config", ["--bindir"], { timeout: STEP_TIMEOUT_MS });
  return stdout.trim();
}

/** Runs SQL with psql on `url`; returns its unaligned, tuples-only output. */
export async function psqlUrl(url: string, sql: string, timeoutMs = 60_000): Promise<string> {
  const { stdout } = await execFileP(
    "psql",
    ["-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-Atc", sql],
    {
      timeout: timeoutMs,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  return stdout.trim();
}

export class PgClusterError extends Error {
  override readonly name = "PgClusterError";
}

export interface PgCluster {
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  /** A URL on the cluster as `postgres` (trust auth). */
  url(database: string): string;
  /** Whether the last start/stop left it running. */
  readonly running: boolean;
  /** `pg_ctl stop -m <mode>`, waiting until it is down. */
  stop(mode: "fast" | "immediate"): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** Stops it (immediately) and removes its folder. */
  destroy(): Promise<void>;
}

/** initdb in a new folder under /tmp, then starts the cluster on a free loopback port. */
export async function startPgCluster(label = "tsnap-bench-pg"): Promise<PgCluster> {
  const bin = await binDir();
  const asRoot = process.getuid?.() === 0;
  const run = async (cmd: string, args: readonly string[]) => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]]
      : [join(bin, cmd), [...args]];
    try {
      return (await execFileP(file, argv, { timeout: STEP_TIMEOUT_MS, cwd: "/tmp" })).stdout;
    } catch (e) {
      const err = e as { stderr?: string; message?: string };
      throw new PgClusterError(
        `${cmd} ${args.join(" ")} failed: ${(err.stderr || err.message || String(e)).trim()}`,
      );
    }
  };
  const dir = await mkdtemp(`/tmp/${label}-`);
  if (asRoot) {
    const { stdout } = await execFileP("id", ["-u", "postgres"]);
    const { stdout: gid } = await execFileP("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  const logFile = join(dir, "postgres.log");
  const port = await freePort();
  let running = false;
  try {
    await run("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c max_connections=300",
  ].join(" ");
  const cluster: PgCluster = {
    port,
    dir,
    logFile,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    get running() {
      return running;
    },
    async start() {
      await run("pg_ctl", ["-D", data, "-l", logFile, "-o", options, "-w", "-t", "60", "start"]);
      running = true;
    },
    async stop(mode) {
      await run("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
      running = false;
    },
    async destroy() {
      if (existsSync(join(data, "postmaster.pid"))) {
        await run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]).catch(
          () => {},
        );
      }
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
  return cluster;
}
