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
