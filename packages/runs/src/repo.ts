import type { BackupRepository, GitHubAuth } from "@tablesnap/config";
import { type BackupRepo, GitRemoteRepo, LocalGitRepo } from "@tablesnap/publish";
import { connectGitHub, GitHubBackupRepo } from "@tablesnap/publish/github";
import { WorkerError } from "./errors.ts";

export interface GitHubSettings {
  readonly apiUrl: string;
  readonly auth?: GitHubAuth | undefined;
  /** Tests shorten GitHub's pauses; see GitHubClientOptions. */
  readonly minWriteIntervalMs?: number | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/** An opened backup repository: where to commit, and how to link to a commit. */
export interface OpenedRepo {
  readonly repo: BackupRepo;
  readonly branch: string;
  commitUrl(sha: string): string | undefined;
  close(): Promise<void>;
}

export type OpenRepo = (r: BackupRepository) => Promise<OpenedRepo>;

/** Opens a target's backup repository: GitHub (Git Data API), any git remote, or a local repository. */
export function repoOpener(github: GitHubSettings): OpenRepo {
  return async (r) => {
    if (r.kind === "local") {
      return { repo: new LocalGitRepo(r.path), branch: r.branch ?? "main", ...noLink };
    }
    if (r.kind === "git") {
      const repo = await GitRemoteRepo.open(r.remote);
      return {
        repo,
        branch: r.branch ?? "main",
        commitUrl: () => undefined,
        close: () => repo.close(),
      };
    }
    if (!github.auth) {
      throw new WorkerError(
        "no_github_auth",
        "GITHUB_TOKEN or the GitHub App settings are missing",
      );
    }
    const client = await connectGitHub({
      auth: github.auth,
      repository: `${r.owner}/${r.repo}`,
      apiUrl: github.apiUrl,
      ...(github.minWriteIntervalMs === undefined
        ? {}
        : { minWriteIntervalMs: github.minWriteIntervalMs }),
      ...(github.fetch === undefined ? {} : { fetch: github.fetch }),
    });
    const branch =
      r.branch ??
      (
        await client.octokit.rest.repos
          .get({ owner: r.owner, repo: r.repo })
          .catch((e: unknown) => {
            if (Reflect.get(e as object, "status") !== 404) throw e;
            throw new WorkerError(
              "repository_not_found",
              `GitHub repository ${r.owner}/${r.repo} does not exist, or the credentials cannot see it (give the GitHub App or token access to it)`,
              { cause: e },
            );
          })
      ).data.default_branch;
    const web = webUrl(github.apiUrl);
    return {
      repo: new GitHubBackupRepo(client),
      branch,
      commitUrl: (sha) => `${web}/${r.owner}/${r.repo}/commit/${sha}`,
      close: async () => {},
    };
  };
}

const noLink = { commitUrl: () => undefined, close: async () => {} };

/**
 * The dump worker's check before a run: the repository opens as the publisher will open it. A
 * GitHub repository cannot be checked without credentials (a worker deployed without them), so
 * it is then left to the publisher.
 */
export function repoChecker(github: GitHubSettings): (r: BackupRepository) => Promise<void> {
  const open = repoOpener(github);
  return async (r) => {
    if (r.kind === "github" && !github.auth) return;
    const opened = await open(r);
    await opened.close();
  };
}

/** `https://github.com` for the public API, the server's own origin for GHES and emulators. */
function webUrl(apiUrl: string): string {
  const u = new URL(apiUrl);
  if (u.hostname === "api.github.com") return "https://github.com";
  return u.origin;
}
