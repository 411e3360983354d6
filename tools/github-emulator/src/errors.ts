import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Context carried by an emulator error: structured, never secrets. */
export type ErrorContext = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** One entry of a GitHub validation error body (`errors: [...]`). */
export interface ValidationErrorItem {
  readonly resource?: string;
  readonly field?: string;
  readonly code: string;
  readonly message?: string;
}

export interface GitHubApiErrorOptions {
  readonly cause?: unknown;
  readonly context?: ErrorContext;
  readonly errors?: readonly ValidationErrorItem[];
  /** Extra response headers (`retry-after` of a rate limit). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Whether the same request may succeed later (rate limits, 502, a moved branch). */
  readonly retriable?: boolean;
  /** Overrides the route's documentation link (rate limits link their own page). */
  readonly documentationUrl?: string;
}

/**
 * An answer GitHub gives with a non-2xx status. The HTTP edge turns it into GitHub's error body
 * `{"message", "documentation_url", "status"}` (plus `errors` for validation failures).
 */
export class GitHubApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly context: ErrorContext;
  readonly errors: readonly ValidationErrorItem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly retriable: boolean;
  readonly documentationUrl: string | undefined;

  constructor(status: ContentfulStatusCode, message: string, options: GitHubApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.context = options.context ?? {};
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.retriable = options.retriable ?? false;
    this.documentationUrl = options.documentationUrl;
  }
}

/** A git command the emulator runs failed in a way no request could cause: a broken data dir. */
export class GitCommandError extends Error {
  readonly context: ErrorContext;
  readonly retriable = false;

  constructor(message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** The emulator was given options it cannot use (bad key, bad port). */
export class EmulatorConfigError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

export const notFound = (): GitHubApiError => new GitHubApiError(404, "Not Found");

export const emptyRepository = (): GitHubApiError =>
  new GitHubApiError(409, "Git Repository is empty.");

/** GitHub's schema-validation answer: `Invalid request.\n\n<detail>`. */
export const invalidRequest = (detail: string): GitHubApiError =>
  new GitHubApiError(422, `Invalid request.\n\n${detail}`);

export const unprocessable = (message: string, context?: ErrorContext): GitHubApiError =>
  new GitHubApiError(422, message, context === undefined ? {} : { context });

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
