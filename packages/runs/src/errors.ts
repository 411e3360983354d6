import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/**
 * A step of the dump workers or the publisher failed. `retriable` decides what the bus does with
 * the message: naked and delivered again, or terminated.
 */
export class WorkerError extends TablesnapError {
  constructor(code: string, message: string, options: TablesnapErrorOptions = {}) {
    super(`worker_${code}`, message, options);
  }
}

/** True for a server error with this SQLSTATE (postgres.js puts it on `code`). */
export function hasSqlState(e: unknown, state: string): boolean {
  return (
    e instanceof Error && e.name === "PostgresError" && (e as { code?: unknown }).code === state
  );
}

/** The run's snapshot is gone: its holder ended (or died), so re-planned jobs will do the work. */
export function isSnapshotGone(e: unknown): boolean {
  return hasSqlState(e, "22023") && /snapshot/i.test((e as Error).message);
}

export function isRetriable(e: unknown): boolean {
  return typeof e === "object" && e !== null && Reflect.get(e, "retriable") === true;
}
