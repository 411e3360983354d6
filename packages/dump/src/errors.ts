import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/** The source database could not be reached or refused us; `reason` says which. */
export class ConnectionError extends TablesnapError {
  readonly reason: "unreachable" | "auth" | "database" | "role" | "other";

  constructor(
    reason: ConnectionError["reason"],
    message: string,
    options: TablesnapErrorOptions = {},
  ) {
    super(`connection_${reason}`, message, { retriable: reason === "unreachable", ...options });
    this.reason = reason;
  }
}

/** `pg_dump` is missing or older than the server. */
export class PgToolError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("pg_tool", message, options);
  }
}

/** A step of the dump failed for a reason that is not the user's input. */
export class DumpError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("dump_failed", message, options);
  }
}

/** The run was cancelled (Ctrl-C, SIGTERM, an AbortSignal). */
export class DumpAbortedError extends TablesnapError {
  constructor(options: TablesnapErrorOptions = {}) {
    super("aborted", "backup interrupted; nothing was published", options);
  }
}

/**
 * A table copy moved no rows for its bound (the source or the artifact store stopped answering):
 * the run fails naming the table instead of waiting for its time limit.
 */
export class TableStalledError extends TablesnapError {
  constructor(table: string, ms: number) {
    super(
      "table_stalled",
      `copy of table ${table} made no progress for ${Math.round(ms / 1000)} s (the database or the artifact store stopped answering)`,
      { retriable: true, context: { table } },
    );
  }
}

/** Some tables could not be copied: the run fails, naming each with its reason. */
export class TablesFailedError extends TablesnapError {
  constructor(failed: readonly string[]) {
    super("tables_failed", `tables failed: ${failed.join("; ")}`);
  }
}
