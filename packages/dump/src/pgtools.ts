import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DumpAbortedError, DumpError, PgToolError } from "./errors.ts";

const execFileP = promisify(execFile);

export interface PgTools {
  readonly pgDump: string;
  readonly pgDumpAll: string;
  /** Major version of pg_dump, e.g. 15. */
  readonly major: number;
  readonly version: string;
}

/**
 * Finds pg_dump and pg_dumpall and checks that pg_dump is at least the server's major version, as
 * pg_dump itself requires. `pgBin` when given; else the client tools of the server's own major
 * version where the Debian/PGDG layout has them (the image carries 13 to 17); else PATH.
 */
/** `/usr/lib/postgresql/<major>/bin` when it holds pg_dump, else undefined (use PATH). */
export function matchingBinDir(
  major: number,
  exists: (path: string) => boolean,
): string | undefined {
  const dir = `/usr/lib/postgresql/${major}/bin`;
  return exists(join(dir, "pg_dump")) ? dir : undefined;
}

export async function findPgTools(
  pgBin: string | undefined,
  serverVersionNum: number,
): Promise<PgTools> {
  const bin = pgBin ?? matchingBinDir(Math.floor(serverVersionNum / 10000), existsSync);
  const pgDump = bin ? join(bin, "pg_dump") : "pg_dump";
  const pgDumpAll = bin ? join(bin, "pg_dumpall") : "pg_dumpall";
  let out: string;
  try {
    out = (await execFileP(pgDump, ["--version"])).stdout;
  } catch (cause) {
    throw new PgToolError(
      `cannot run ${pgDump}: install the PostgreSQL client tools or point at them with --pg-bin DIR / TABLESNAP_PG_BIN`,
      { cause },
    );
  }
  const m = /(\d+)(?:\.(\d+))?/.exec(out);
  if (!m?.[1])
    throw new PgToolError(
      `cannot read the version of ${pgDump} from ${JSON.stringify(out.trim())}`,
    );
  const major = Number(m[1]);
  const serverMajor = Math.floor(serverVersionNum / 10000);
  if (major < serverMajor) {
    throw new PgToolError(
      `pg_dump ${m[0]} (${pgDump}) is older than the server (PostgreSQL ${serverMajor}.${serverVersionNum % 10000}); ` +
        `pg_dump must be at least ${serverMajor}: point at a newer one with --pg-bin DIR or TABLESNAP_PG_BIN`,
      { context: { pgDump: m[0], server: serverVersionNum } },
    );
  }
  return { pgDump, pgDumpAll, major, version: m[0] };
}

export interface RunToolOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Receives stdout chunk by chunk; backpressure: the child is paused while it runs. */
  readonly onStdout: (chunk: Uint8Array) => Promise<void>;
}

/** Runs a PostgreSQL client tool, streaming its stdout; rejects with its stderr when it fails. */
export function runTool(cmd: string, args: readonly string[], o: RunToolOptions): Promise<string> {
  if (o.signal.aborted) return Promise.reject(new DumpAbortedError());
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, {
      env: { ...process.env, ...o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let failed: unknown;
    // Chunks are handed over one at a time; the child is paused while one is being written.
    let writing: Promise<void> = Promise.resolve();
    const onAbort = () => child.kill("SIGTERM");
    o.signal.addEventListener("abort", onAbort, { once: true });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-64 * 1024);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      child.stdout?.pause();
      writing = writing
        .then(() => (failed ? undefined : o.onStdout(chunk)))
        .then(
          () => {
            child.stdout?.resume();
          },
          (e: unknown) => {
            failed ??= e;
            child.kill("SIGTERM");
          },
        );
    });
    child.on("error", (e) => {
      failed ??= new PgToolError(`cannot run ${cmd}: ${e.message}`, { cause: e });
    });
    child.on("close", async (code, sig) => {
      await writing;
      o.signal.removeEventListener("abort", onAbort);
      if (o.signal.aborted) return reject(new DumpAbortedError());
      if (failed) return reject(failed);
      if (code === 0) return resolve(stderr);
      const last = withHint(lastError(stderr) ?? `exited with ${code ?? sig}`);
      reject(
        new DumpError(`${cmd.split("/").pop()} failed: ${last}`, { context: { exit: code ?? -1 } }),
      );
    });
  });
}

/** The server's "out of shared memory" on a dump is its lock table, which pg_dump fills. */
function withHint(error: string): string {
  if (!/out of shared memory/.test(error)) return error;
  return `${error} (pg_dump locks every table it dumps, and the server's lock table is full: raise max_locks_per_transaction, or back up fewer schemas at once)`;
}

/** pg_dump prints progress lines with -v; the error is the last `error:` line (or the last line). */
function lastError(stderr: string): string | undefined {
  const lines = stderr.trim().split("\n");
  const errors = lines.filter((l) => /error:|ERROR:|FATAL:/.test(l));
  return (errors.at(-1) ?? lines.at(-1))?.replace(/^pg_dump(all)?: /, "").trim() || undefined;
}
