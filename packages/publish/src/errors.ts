import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/** The branch no longer points where the publish started from; rebuild on top and try again. */
export class BranchMovedError extends TablesnapError {
  constructor(branch: string, options: TablesnapErrorOptions = {}) {
    super("branch_moved", `branch ${branch} moved while publishing`, {
      retriable: true,
      ...options,
    });
  }
}

/** The repository is not fit to publish into (a file, a dirty clone, locked by another run). */
export class RepoStateError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("repo_state", message, options);
  }
}

export class GitError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("git_failed", message, options);
  }
}

/** GitHub refused the credentials (401): a wrong, expired or revoked token or app key. */
export class GitHubAuthError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("github_auth", message, options);
  }
}

/** The credentials may not do this to the repository (403): read-only, or not granted contents. */
export class GitHubPermissionError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("github_permission", message, options);
  }
}

/** The repository does not exist, or the credentials cannot see it (GitHub answers 404 to both). */
export class GitHubRepoNotFoundError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("github_repo_not_found", message, options);
  }
}

/** The branch is protected against this update (GitHub's rule, or a server hook over git). */
export class ProtectedBranchError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("protected_branch", message, options);
  }
}

/** Any other failed GitHub request; `retriable` for server errors that outlasted the retries. */
export class GitHubApiError extends TablesnapError {
  readonly status: number;

  constructor(status: number, message: string, options: TablesnapErrorOptions = {}) {
    super("github_api", message, { retriable: status >= 500 || status === 429, ...options });
    this.status = status;
  }
}

/** `git push` (or fetch) to a remote failed for a reason other than a moved branch. */
export class GitRemoteError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("git_remote", message, options);
  }
}
