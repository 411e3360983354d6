import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLI, type Command, commandLine, ROOT, RUN_TIMEOUT_MS, tablesnap } from "./commands.ts";
import { databaseUrl, PGBENCH_TABLES, psql, rowCounts } from "./db.ts";
import { log, round1, sec } from "./format.ts";
import { measure } from "./measure.ts";

const execFileP = promisify(execFile);

/** A command restoring into the empty database `db`. */
export type RestoreInto = (db: string) => Command;

export const tablesnapRestore =
  (from: string, extra: readonly string[]): RestoreInto =>
  (db) => [
    process.execPath,
    [CLI, "restore", "--from", from, "--database-url", databaseUrl(db), ...extra],
  ];

export const pgRestore =
  (dir: string): RestoreInto =>
  (db) => ["pg_restore", ["-j", "2", "-d", databaseUrl(db), dir]];

/** What the restores start from: made once per run, outside the timings. */
export interface Sources {
  /** `<repo>/backups/latest/latest`, the symlink to the backup folder tablesnap checked out. */
  readonly backup: string;
  /** The `pg_dump -Fd -Z0` output folder. */
  readonly dumpDir: string;
  readonly setup: {
    readonly backup_command: string;
    readonly backup_ms: number;
    readonly backup_folder: string;
    readonly pg_dump_command: string;
    readonly pg_dump_ms: number;
  };
}

/** One `tablesnap backup --no-custom-dump` into a new repository and one `pg_dump -Fd -Z0` of `db`. */
export async function makeSources(db: string, work: string): Promise<Sources> {
  const backupCmd = tablesnap(db, ["--no-custom-dump", "--quiet"])(join(work, "repo"));
  const b = await measure(backupCmd[0], backupCmd[1], { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
  const backup = join(work, "repo", "backups", "latest", "latest");
  const folder = await realpath(backup); // fails here, not in every round, if it is missing
  log(`  ${commandLine(backupCmd)}: ${sec(b.ms)} s, backup folder ${folder}`);

  const dumpDir = join(work, "pg_dump-out");
  // -Z0 as in bench:dump: pg_restore does not spend time decompressing
  const dumpCmd: Command = ["pg_dump", ["-Fd", "-Z0", "-f", dumpDir, "-d", databaseUrl(db)]];
  const d = await measure(dumpCmd[0], dumpCmd[1], { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
  log(`  ${commandLine(dumpCmd)}: ${sec(d.ms)} s (uncompressed, like bench:dump)`);
  return {
    backup,
    dumpDir,
    setup: {
      backup_command: commandLine(backupCmd),
      backup_ms: round1(b.ms),
      backup_folder: folder,
      pg_dump_command: commandLine(dumpCmd),
      pg_dump_ms: round1(d.ms),
    },
  };
}

/** Throws unless every pgbench table in `db` has as many rows as `expected` says. */
export async function checkRowCounts(
  db: string,
  expected: ReadonlyMap<string, number>,
  what: string,
): Promise<void> {
  let got: Map<string, number>;
  try {
    got = await rowCounts(db, PGBENCH_TABLES);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`WRONG RESTORE (${what}): cannot count the pgbench tables: ${why}`);
  }
  const wrong = PGBENCH_TABLES.filter((t) => got.get(t) !== expected.get(t)).map(
    (t) => `${t} has ${got.get(t) ?? "no"} rows, the source ${expected.get(t)}`,
  );
  if (wrong.length > 0) throw new Error(`WRONG RESTORE (${what}): ${wrong.join("; ")}`);
}

/** The PostgreSQL server's and client tools' versions, for the report. */
export async function pgVersions(): Promise<Record<string, string>> {
  const tool = async (cmd: string) => (await execFileP(cmd, ["--version"])).stdout.trim();
  return {
    server: await psql("postgres", "show server_version"),
    pg_restore: await tool("pg_restore"),
    pg_dump: await tool("pg_dump"),
  };
}
