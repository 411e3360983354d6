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
