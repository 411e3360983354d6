import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

export class ArtifactNotFoundError extends TablesnapError {
  constructor(path: string, options: TablesnapErrorOptions = {}) {
    super("artifact_not_found", `artifact not found: ${path}`, {
      ...options,
      context: { path, ...options.context },
    });
  }
}

export class InvalidArtifactPathError extends TablesnapError {
  constructor(path: string) {
    super("artifact_path_invalid", `invalid artifact path: ${JSON.stringify(path)}`, {
      context: { path },
    });
  }
}

/**
 * The object store failed or could not be reached. `retriable` says whether the same call may
 * succeed later (connection refused or reset, a 5xx or throttling answer); a refused credential
 * or a missing bucket is not.
 */
export class ArtifactStoreError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super(
      options.retriable ? "artifact_store_unavailable" : "artifact_store_failed",
      message,
      options,
    );
  }
}
