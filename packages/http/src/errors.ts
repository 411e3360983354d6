import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/**
 * An error the HTTP edge answers with a fixed status. `message` says what the caller should do;
 * it is sent to the client, so it never holds a secret.
 */
export class HttpError extends TablesnapError {
  readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 503;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: HttpError["status"],
    code: string,
    message: string,
    options: TablesnapErrorOptions & { headers?: Record<string, string> } = {},
  ) {
    super(code, message, options);
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (message: string, code = "bad_request") =>
  new HttpError(400, code, message);

export const unauthorized = (message: string, code = "unauthorized", scheme?: string) =>
  new HttpError(401, code, message, scheme ? { headers: { "www-authenticate": scheme } } : {});

export const forbidden = (message: string, code = "forbidden") => new HttpError(403, code, message);

export const notFound = (message: string, code = "not_found") => new HttpError(404, code, message);

/** Status by the `code` of errors raised below the HTTP edge (bus, state store). */
export const STATUS_BY_CODE: Readonly<Record<string, 400 | 404 | 500 | 502 | 503>> = {
  bus_unavailable: 503,
  state_store: 503,
  invalid_cursor: 400,
  bus_invalid_message: 400,
  run_not_found: 404,
  bus_publish_rejected: 502,
};

/** What the caller should do, for errors whose own message talks to operators. */
export const ADVICE_BY_CODE: Readonly<Record<string, string>> = {
  bus_unavailable: "the message bus (NATS) is unreachable; retry after the retry-after delay",
  state_store: "the state database is unreachable; retry later",
  bus_publish_rejected: "the message bus refused the trigger; contact the operator",
};
