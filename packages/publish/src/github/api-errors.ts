import {
  GitHubApiError,
  GitHubAuthError,
  GitHubPermissionError,
  GitHubRepoNotFoundError,
  ProtectedBranchError,
} from "../errors.ts";

/** The parts of Octokit's RequestError we look at. */
export interface ApiFailure {
  readonly status: number;
  readonly message: string;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
}

export function apiFailure(e: unknown): ApiFailure | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const x = e as {
    status?: unknown;
    message?: unknown;
    response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
  };
  if (typeof x.status !== "number") return undefined;
  const data = x.response?.data as { message?: unknown } | undefined;
  const message =
    typeof data?.message === "string"
      ? data.message
      : typeof x.message === "string"
        ? x.message
        : "";
  return {
    status: x.status,
    // On one line: GitHub's validation messages span several ("Invalid request.\n\n…").
    message: message.replace(/\s*\n+\s*/g, " ").trim(),
    headers: x.response?.headers ?? {},
  };
}

/** Seconds to wait before trying again, as GitHub asks: retry-after, else the reset time, else 60. */
export function waitSeconds(headers: ApiFailure["headers"], now = Date.now()): number {
  const after = Number(headers["retry-after"]);
  if (Number.isFinite(after) && after >= 0) return after;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - now / 1000) + 1);
  return 60;
}

/**
 * One clear, named error for a failed request. `doing` completes "while …" (e.g. "moving
 * branch main"); `repo` is `owner/name`.
 */
export function githubError(e: unknown, repo: string, doing: string): unknown {
  const f = apiFailure(e);
  if (!f) return e;
  const options = { cause: e, context: { status: f.status, repo } };
  if (/protected branch|cannot force-push/i.test(f.message))
    return new ProtectedBranchError(
      `GitHub refused to update the branch of ${repo}: it is protected (${f.message}); let the token or app push to it, or publish to another --branch`,
      options,
    );
  if (f.status === 401)
    return new GitHubAuthError(
      `GitHub rejected the credentials while ${doing} (${f.message}): check GITHUB_TOKEN, or GITHUB_APP_ID and the app's private key`,
      options,
    );
  if (f.status === 403 && !/rate limit/i.test(f.message))
    return new GitHubPermissionError(
      `the credentials may not write to ${repo} (${f.message}): the token or app needs read and write access to its contents`,
      options,
    );
  if (f.status === 404)
    return new GitHubRepoNotFoundError(
      `GitHub repository ${repo} not found, or the credentials cannot see it: create it, or give the token (or the app's installation) access to it`,
      options,
    );
  return new GitHubApiError(
    f.status,
    `GitHub answered ${f.status} while ${doing}: ${f.message}`,
    options,
  );
}
