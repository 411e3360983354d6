import postgres from "postgres";
import { ConnectionError } from "./errors.ts";

export type Sql = postgres.Sql;
/** A transaction, for queries that must run inside the run's snapshot. */
export type Tx = postgres.TransactionSql;

/** Where a database URL points, without its password: for messages and for libpq's environment. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** libpq environment for pg_dump/pg_dumpall, so the password never shows in `ps`. */
  readonly libpqEnv: Readonly<Record<string, string>>;
  /** The URL without the password, for `pg_dump --dbname`. */
  readonly safeUrl: string;
}

export function parseTarget(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConnectionError(
      "other",
      "the database URL is not a valid URL (postgres://user@host:port/database)",
    );
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new ConnectionError(
      "other",
      `the database URL must start with postgres:// (got ${u.protocol}//)`,
    );
  }
  const env: Record<string, string> = {};
  let password: string;
  try {
    password = decodeURIComponent(u.password);
  } catch {
    throw new ConnectionError(
      "other",
      "the password in the database URL is not URL-encoded (write % as %25)",
    );
  }
  // A password may also come as ?password=…; either way it reaches pg_dump only through the
  // environment, never its command line.
  const fromQuery = u.searchParams.get("password");
  if (password) env["PGPASSWORD"] = password;
  else if (fromQuery) env["PGPASSWORD"] = fromQuery;
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env["PGSSLMODE"] = sslmode;
  const safe = new URL(u.toString());
  safe.password = "";
  safe.searchParams.delete("password");
  return {
    host: u.hostname || "localhost",
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || "postgres",
    database:
      decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || "postgres",
    libpqEnv: env,
    safeUrl: safe.toString(),
  };
}

/** Seconds a connection may take to answer as PostgreSQL (TCP, TLS, startup, authentication). */
export const CONNECT_TIMEOUT_SECONDS = 10;

/**
 * Opens a postgres.js client and proves the connection works, turning failures into one clear
 * line. Bounded by {@link CONNECT_TIMEOUT_SECONDS}; `signal` (Ctrl-C, SIGTERM) ends the wait at
 * once.
 */
export async function connect(
  url: string,
  max: number,
  signal?: AbortSignal,
): Promise<{ sql: Sql; target: Target }> {
  const target = parseTarget(url);
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    idle_timeout: 0,
    prepare: false,
    connection: { application_name: "tablesnap" },
  });
  // postgres.js finishes a connection attempt before it ends: the wait is raced, not ended.
  let stop = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(signal?.reason);
  });
  aborted.catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  try {
    signal?.throwIfAborted();
    await Promise.race([sql`select 1`, aborted]);
  } catch (cause) {
    const ended = sql.end({ timeout: 1 }).catch(() => {});
    // Interrupted: the half-open connection is left to end on its own, the caller goes now.
    signal?.throwIfAborted();
    await ended;
    throw describeConnectError(cause, target);
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  return { sql, target };
}

function describeConnectError(cause: unknown, t: Target): ConnectionError {
  const code = (cause as { code?: string }).code ?? "";
  const where = `${t.host}:${t.port}`;
  const message = cause instanceof Error ? cause.message : String(cause);
  switch (code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "CONNECT_TIMEOUT":
      return new ConnectionError(
        "unreachable",
        `cannot reach PostgreSQL at ${where}: nothing answered as PostgreSQL within ${CONNECT_TIMEOUT_SECONDS} s (nothing listens there, or what does is not PostgreSQL: a proxy, an HTTP server?) (${code})`,
        { cause },
      );
    case "ETIMEDOUT":
    case "EAI_AGAIN":
      return new ConnectionError("unreachable", `cannot reach PostgreSQL at ${where} (${code})`, {
        cause,
      });
    case "28P01":
      return new ConnectionError(
        "auth",
        `password authentication failed for user "${t.user}" at ${where}`,
        { cause },
      );
    case "3D000":
      return new ConnectionError(
        "database",
        `database "${t.database}" does not exist on ${where}`,
        { cause },
      );
    case "28000":
      return new ConnectionError("role", `${message} (at ${where})`, { cause });
    default:
      return new ConnectionError("other", `cannot connect to ${where}: ${message}`, { cause });
  }
}
