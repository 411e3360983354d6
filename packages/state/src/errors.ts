import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

export class RunNotFoundError extends TablesnapError {
  constructor(runId: string) {
    super("run_not_found", `run not found: ${runId}`, { context: { runId } });
  }
}

export class TableJobNotFoundError extends TablesnapError {
  constructor(runId: string, schema: string, name: string) {
    super("table_job_not_found", `table ${schema}.${name} is not planned in run ${runId}`, {
      context: { runId, schema, name },
    });
  }
}

/** A `cursor` that no `listRuns` page handed out: the caller should start from the first page. */
export class InvalidCursorError extends TablesnapError {
  constructor() {
    super("invalid_cursor", "invalid cursor: pass a next_cursor from a previous page, or none");
  }
}

/** The state database failed or could not be reached; trying again later may help. */
export class StateStoreError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("state_store", message, { retriable: true, ...options });
  }
}
