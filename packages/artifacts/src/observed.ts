import type { FileEntry } from "@tablesnap/core";
import type { ArtifactStore, ArtifactWriter } from "./types.ts";

/**
 * The same store, calling `onClose` with every file as soon as it is complete: lets a consumer
 * (a git blob writer, an uploader) start on finished files while the run is still writing others.
 */
export function observeClosedFiles(
  store: ArtifactStore,
  onClose: (entry: FileEntry) => void,
): ArtifactStore {
  return {
    location: store.location,
    read: (path) => store.read(path),
    list: (prefix) => store.list(prefix),
    remove: (prefix) => store.remove(prefix),
    removeFiles: (paths) => store.removeFiles(paths),
    async openWriter(path): Promise<ArtifactWriter> {
      const inner = await store.openWriter(path);
      return {
        write: (chunk) => inner.write(chunk),
        abort: () => inner.abort(),
        async close() {
          const entry = await inner.close();
          onClose(entry);
          return entry;
        },
      };
    },
  };
}
