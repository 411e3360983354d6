import { isServerError, serverErrorLine } from "./server-error.ts";

/** Context carried by every tablesnap error: structured, never secrets. */
export type ErrorContext = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface TablesnapErrorOptions {
  readonly cause?: unknown;
  readonly context?: ErrorContext;
  /** Whether trying the same thing again may help (a worker naks instead of terminating). */
  readonly retriable?: boolean;
}

/**
 * Base class of every error tablesnap raises on purpose. `code` is stable and machine-readable;
 * the message is one line a person can act on.
 */
export class TablesnapError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: TablesnapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
    this.retriable = options.retriable ?? false;
  }
}

/** Input the user can fix before anything runs: a bad flag or value, a path that cannot be used. */
export class UsageError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("usage", message, options);
  }
}

/**
 * Narrows an unknown thrown value to its message without losing non-Error throws. A server
 * error that would quote row data is described by its fields instead (`serverErrorLine`).
 */
export function messageOf(error: unknown): string {
  if (isServerError(error)) return serverErrorLine(error);
  return error instanceof Error ? error.message : String(error);
}
