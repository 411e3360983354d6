import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { log, mb } from "./format.ts";

const execFileP = promisify(execFile);

/** Where the benchmark databases live (PGHOST/PGPORT/PGUSER override the local defaults). */
export const PG = {
  host: process.env["PGHOST"] ?? "127.0.0.1",
  port: process.env["PGPORT"] ?? "5432",
  user: process.env["PGUSER"] ?? "postgres",
} as const;

const PGBENCH_CANDIDATES = ["/usr/lib/postgresql/15/bin/pgbench", "/usr/bin/pgbench"];

/** Limit for one setup step (pgbench -i, creating the 1 GB table). */
const SETUP_TIMEOUT_MS = 30 * 60_000;

export function databaseUrl(db: string): string {
  return `postgresql://${encodeURIComponent(PG.user)}@${PG.host}:${PG.port}/${encodeURIComponent(db)}`;
}

/** Runs SQL with psql and returns its unaligned, tuples-only output. */
export async function psql(db: string, sql: string): Promise<string> {
  const { stdout } = await execFileP(
    "psql",
    ["-X", "-v", "ON_ERROR_STOP=1", "-d", databaseUrl(db), "-Atc", sql],
    { timeout: SETUP_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.trim();
}

export async function databaseExists(db: string): Promise<boolean> {
  return (await psql("postgres", `select 1 from pg_database where datname = '${db}'`)) === "1";
}

async function createDatabase(db: string): Promise<void> {
  log(`creating database ${db}`);
  await psql("postgres", `create database "${db}"`);
}

/** The database `pgbench -i -s <scale>` makes, created once and then reused. */
export async function ensurePgbenchDb(db: string, scale: number): Promise<void> {
  if (await databaseExists(db)) {
    const branches = await psql(
      db,
      "select case when to_regclass('pgbench_branches') is null then -1 else (select count(*) from pgbench_branches) end",
    );
    if (branches === String(scale)) {
      log(`reusing database ${db} (pgbench scale ${scale})`);
      return;
    }
    log(`database ${db} exists but is not a complete pgbench scale ${scale} database`);
  } else {
    await createDatabase(db);
  }
  const pgbench = PGBENCH_CANDIDATES.find((p) => existsSync(p)) ?? "pgbench";
  const args = ["-i", "-q", "-s", String(scale), "-h", PG.host, "-p", PG.port, "-U", PG.user, db];
  log(`running ${pgbench} ${args.join(" ")}`);
  const started = process.hrtime.bigint();
  await execFileP(pgbench, args, { timeout: SETUP_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  log(`  done in ${seconds(started)} s`);
}

/**
 * Changes the data between rounds: `transactions` pgbench TPC-B transactions (each updates one
 * account, teller and branch and inserts a history row), so every backup sees changed tables.
 */
export async function churn(db: string, transactions: number): Promise<void> {
  const pgbench = PGBENCH_CANDIDATES.find((p) => existsSync(p)) ?? "pgbench";
  const args = ["-n", "-c", "2", "-j", "2", "-t", String(Math.ceil(transactions / 2))];
  await execFileP(pgbench, [...args, "-h", PG.host, "-p", PG.port, "-U", PG.user, db], {
    timeout: SETUP_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A database holding one table `big` (id primary key, 256-char payload) of about `bytes`. */
export async function ensureBigDb(db: string, bytes: number): Promise<number> {
  if (!(await databaseExists(db))) await createDatabase(db);
  const existing = await psql(
    db,
    "select coalesce(pg_total_relation_size(to_regclass('public.big')), -1)",
  );
  if (Number(existing) >= bytes * 0.8) {
    log(`reusing database ${db} (table big: ${mb(Number(existing))} MB)`);
    return Number(existing);
  }
  // ~300 bytes per row in the heap (tuple header, id, 4-byte varlena + 256 chars, line pointer)
  // plus ~16 bytes per row of primary key index.
  const rows = Math.round(bytes / 316);
  log(`creating table big in ${db}: ${rows} rows of 256 chars (about ${mb(bytes)} MB)`);
  const started = process.hrtime.bigint();
  // one multi-statement query: one implicit transaction
  await psql(
    db,
    [
      "drop table if exists big",
      `create table big as select g as id, repeat(md5(g::text), 8) as payload from generate_series(1, ${rows}) g`,
      "alter table big add primary key (id)",
      "analyze big",
    ].join(";\n"),
  );
  const size = Number(await psql(db, "select pg_total_relation_size('public.big')"));
  log(`  done in ${seconds(started)} s: pg_total_relation_size = ${mb(size)} MB`);
  return size;
}

function seconds(since: bigint): string {
  return (Number(process.hrtime.bigint() - since) / 1e9).toFixed(1);
}

/** The tables `pgbench -i` fills (pgbench_history starts empty). */
export const PGBENCH_TABLES = [
  "pgbench_accounts",
  "pgbench_branches",
  "pgbench_tellers",
  "pgbench_history",
] as const;

/** An empty database to restore into, from template0 as pg_restore's docs ask; any old one goes. */
export async function createEmptyDatabase(db: string): Promise<void> {
  await dropDatabase(db);
  await psql("postgres", `create database "${db}" template template0`);
}

/** Drops `db` if it exists, ending any session still connected to it. */
export async function dropDatabase(db: string): Promise<void> {
  await psql("postgres", `drop database if exists "${db}" with (force)`);
}

/** Row count of each table, by name; fails when one of them is missing. */
export async function rowCounts(
  db: string,
  tables: readonly string[],
): Promise<Map<string, number>> {
  const sql = tables.map((t) => `select '${t}', count(*) from "${t}"`).join(" union all ");
  const lines = (await psql(db, sql)).split("\n");
  return new Map(lines.map((l) => l.split("|")).map(([t = "", n = ""]) => [t, Number(n)]));
}
