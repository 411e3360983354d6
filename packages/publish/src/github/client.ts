import { randomBytes } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { TOOL_VERSION } from "@tablesnap/core";
import Bottleneck from "bottleneck";
import { GitHubAuthError, GitHubRepoNotFoundError } from "../errors.ts";
import { apiFailure, githubError, waitSeconds } from "./api-errors.ts";
import { WriteBudget } from "./budget.ts";

// Typed as the plain Octokit: the plugins add options, not methods we call.
const TablesnapOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GitHubOctokit = Octokit;

/** A token (personal, fine-grained or installation), or a GitHub App acting through its installation. */
export type GitHubAuth =
  | { readonly kind: "token"; readonly token: string }
  | {
      readonly kind: "app";
      readonly appId: string;
      readonly privateKey: string;
      /** Looked up for the repository when not given. */
      readonly installationId?: number;
    };

export interface GitHubClientOptions {
  readonly auth: GitHubAuth;
  /** `owner/name`. */
  readonly repository: string;
  /** Default https://api.github.com; `https://HOST/api/v3` for GitHub Enterprise Server. */
  readonly apiUrl?: string;
  /** Milliseconds per second of every wait GitHub asks for (retry-after, backoff); tests shorten it. */
  readonly waitUnitMs?: number;
  /** Pause between two writes once a minute holds more than the budget's burst (GitHub asks
   * for one second); default 1000. Ignored when `budget` is given (it has its own). */
  readonly minWriteIntervalMs?: number;
  /** Retries of a request that failed with 5xx or a rate limit; default 4. */
  readonly retries?: number;
  /** Shared by every client of one credential; default 80/minute, 500/hour. */
  readonly budget?: WriteBudget;
  readonly log?: (line: string) => void;
  /** The fetch requests go through; default the global one (tests wrap it to watch bodies). */
  readonly fetch?: typeof fetch;
}

export interface GitHubClient {
  readonly octokit: GitHubOctokit;
  readonly owner: string;
  readonly repo: string;
  readonly budget: WriteBudget;
  /** Write requests sent so far, every attempt counted. */
  writes(): number;
  readonly log: (line: string) => void;
}

const WRITES = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** What every tablesnap Octokit is built from: where GitHub is, and how patient to be with it. */
export interface OctokitSettings {
  /** Default https://api.github.com; `https://HOST/api/v3` for GitHub Enterprise Server. */
  readonly apiUrl?: string | undefined;
  /** Milliseconds per second of every wait GitHub asks for; tests shorten it. */
  readonly waitUnitMs?: number | undefined;
  /** Retries of a request that failed with 5xx or a rate limit; default 4. */
  readonly retries?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** The fetch requests go through; default the global one. */
  readonly fetch?: typeof fetch | undefined;
}

type OctokitOptions = NonNullable<ConstructorParameters<typeof TablesnapOctokit>[0]>;

/**
 * The one place an Octokit is made (the publisher, the CLI, the ingress's redelivery): retries
 * 5xx with backoff (plugin-retry), waits out rate limits as GitHub asks (plugin-throttling:
 * retry-after, x-ratelimit-reset, 60 s otherwise; a bare 429 by a hook), with `auth` as given:
 * a token, or a GitHub App (`@octokit/auth-app`: the app's JWT for `/app/*`, installation tokens
 * renewed before they expire once `installationId` is set).
 */
export function newOctokit(
  s: OctokitSettings,
  auth: Pick<OctokitOptions, "auth" | "authStrategy">,
  /** Writes queue here (one at a time) instead of plugin-throttling's own write group. */
  writeGroup?: Bottleneck.Group,
): GitHubOctokit {
  const log = s.log ?? (() => {});
  const unit = s.waitUnitMs ?? 1000;
  const retries = s.retries ?? 4;
  const onLimit =
    (kind: string) =>
    (after: number, req: { method: string; url: string }, _o: unknown, count: number) => {
      if (count >= retries) return false;
      log(`GitHub ${kind}: waiting ${after} s before ${req.method} ${req.url}`);
      return true;
    };
  const octokit = new TablesnapOctokit({
    baseUrl: (s.apiUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: `tablesnap/${TOOL_VERSION}`,
    request: { fetch: s.fetch ?? fetch },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    // 409 and 422 are answers (branch moved, empty repository), 429 is waited out below.
    retry: {
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      retries,
      retryAfterBaseValue: unit,
    },
    throttle: {
      id: `tablesnap-${randomBytes(6).toString("hex")}`,
      retryAfterBaseValue: unit,
      fallbackSecondaryRateRetryAfter: 60,
      onSecondaryRateLimit: onLimit("secondary rate limit"),
      onRateLimit: onLimit("rate limit"),
      ...(writeGroup ? { write: writeGroup } : {}),
    },
    ...auth,
  });
  octokit.hook.wrap("request", async (request, options) => {
    // A 429 without the hints plugin-throttling reads: wait as its headers say, 60 s otherwise.
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (e) {
        const f = apiFailure(e);
        if (f?.status !== 429 || attempt >= retries) throw e;
        const w = waitSeconds(f.headers);
        log(`GitHub answered 429: waiting ${w} s before ${options.method} ${options.url}`);
        await new Promise((resolve) => setTimeout(resolve, w * unit));
      }
    }
  });
  return octokit;
}

/** An Octokit acting as the GitHub App itself (its JWT), for `/app/*` such as hook deliveries. */
export function githubAppOctokit(
  s: OctokitSettings & { readonly appId: string; readonly privateKey: string },
): GitHubOctokit {
  return newOctokit(s, {
    authStrategy: createAppAuth,
    auth: { appId: s.appId, privateKey: s.privateKey },
  });
}

/**
 * An Octokit for one repository (see `newOctokit`), which also spaces writes and keeps them
 * within GitHub's content-creation limits (`WriteBudget`), and counts them. A GitHub App finds
 * its installation on the repository unless told which one.
 */
export async function connectGitHub(o: GitHubClientOptions): Promise<GitHubClient> {
  const [owner, repo, extra] = o.repository.split("/");
  if (!owner || !repo || extra !== undefined)
    throw new GitHubRepoNotFoundError(`not a GitHub repository name: ${o.repository} (owner/name)`);
  const log = o.log ?? (() => {});
  const budget = o.budget ?? new WriteBudget({ spacingMs: o.minWriteIntervalMs ?? 1000 });
  let writes = 0;
  const send = o.fetch ?? fetch;
  const counting: typeof fetch = async (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (WRITES.has(method) && new URL(url).pathname.includes("/repos/")) {
      await budget.take();
      writes++;
    }
    return send(input, init);
  };
  const settings: OctokitSettings = { ...o, log, fetch: counting };
  // One write at a time; the pacing is the WriteBudget's.
  const writeGroup = new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 });
  let octokit: GitHubOctokit;
  if (o.auth.kind === "token") octokit = newOctokit(settings, { auth: o.auth.token }, writeGroup);
  else {
    const app = { appId: o.auth.appId, privateKey: o.auth.privateKey };
    const installationId =
      o.auth.installationId ?? (await findInstallation(settings, app, owner, repo));
    octokit = newOctokit(
      settings,
      { authStrategy: createAppAuth, auth: { ...app, installationId } },
      writeGroup,
    );
  }
  return { octokit, owner, repo, budget, writes: () => writes, log };
}

async function findInstallation(
  s: OctokitSettings,
  app: { appId: string; privateKey: string },
  owner: string,
  repo: string,
): Promise<number> {
  const jwtClient = githubAppOctokit({ ...s, ...app });
  try {
    const { data } = await jwtClient.rest.apps.getRepoInstallation({ owner, repo });
    return data.id;
  } catch (e) {
    const f = apiFailure(e);
    if (f?.status === 404)
      throw new GitHubRepoNotFoundError(
        `the GitHub App ${app.appId} is not installed on ${owner}/${repo} (or the repository does not exist): install it there, or set GITHUB_APP_INSTALLATION_ID`,
        { cause: e },
      );
    if (f?.status === 401)
      throw new GitHubAuthError(
        `GitHub rejected the app's credentials (${f.message}): check GITHUB_APP_ID and the private key`,
        { cause: e },
      );
    throw githubError(e, `${owner}/${repo}`, "looking up the app's installation");
  }
}
