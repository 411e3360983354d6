import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/**
 * NATS (or JetStream) cannot be reached right now. Retriable: an HTTP edge answers 503 so the
 * sender redelivers, a worker naks.
 */
export class BusUnavailableError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("bus_unavailable", message, { ...options, retriable: true });
  }
}

/** A payload that does not match its kind's schema in the catalog; retrying cannot help. */
export class InvalidMessageError extends TablesnapError {
  readonly issues: readonly string[];

  constructor(kind: string, issues: readonly string[], options: TablesnapErrorOptions = {}) {
    super("bus_invalid_message", `invalid ${kind} message: ${issues.join("; ")}`, {
      ...options,
      context: { kind, ...options.context },
      retriable: false,
    });
    this.issues = issues;
  }
}

/**
 * Thrown by a handler that wants the message again later, after `retryAfterMs` rather than the
 * consumer's backoff (for example: "the run is not ready yet").
 */
export class RetryLaterError extends TablesnapError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options: TablesnapErrorOptions = {}) {
    super("bus_retry_later", message, {
      ...options,
      context: { retryAfterMs, ...options.context },
      retriable: true,
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** JetStream (or the client) refused the message itself: too large, no permission, … */
export class PublishRejectedError extends TablesnapError {
  constructor(kind: string, reason: string, options: TablesnapErrorOptions = {}) {
    super("bus_publish_rejected", `JetStream refused the ${kind} message: ${reason}`, {
      ...options,
      context: { kind, ...options.context },
      retriable: false,
    });
  }
}
