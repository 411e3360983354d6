import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import postgres from "postgres";

const run = promisify(execFile);

/** The server tests use: `DATABASE_URL` when given, else the local trust-auth server. */
export function adminUrl(): string {
  return process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  /** A postgres.js client on the scratch database (max 4 connections). */
  readonly sql: postgres.Sql;
  drop(): Promise<void>;
}

/**
 * Creates a throw-away database with a unique name on `server` (default `adminUrl()`); `drop()`
 * removes it.
 */
export async function createScratchDatabase(
  prefix = "tsnap",
  server = adminUrl(),
): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(server, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end();
      const a = postgres(server, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs a SQL file or string through the real psql, stopping at the first error. */
export async function psql(
  url: string,
  args: { file?: string; command?: string },
): Promise<string> {
  const argv = [url, "-X", "-q", "-v", "ON_ERROR_STOP=1"];
  if (args.file) argv.push("-f", args.file);
  if (args.command) argv.push("-c", args.command);
  const { stdout } = await run("psql", argv, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
