import { createHash } from "node:crypto";
import type { ArtifactStore, ArtifactWriter } from "@tablesnap/artifacts";
import type { FileEntry } from "@tablesnap/core";

/**
 * An artifact store that keeps only each file's size and sha256: a drill re-dumps the restored
 * database to compare checksums, and needs none of the bytes.
 */
export class DigestStore implements ArtifactStore {
  readonly location = "digest:";
  readonly entries = new Map<string, FileEntry>();

  async openWriter(path: string): Promise<ArtifactWriter> {
    const hash = createHash("sha256");
    let bytes = 0;
    return {
      write: async (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
      },
      close: async () => {
        const entry = { path, sha256: hash.digest("hex"), bytes };
        this.entries.set(path, entry);
        return entry;
      },
      abort: async () => {},
    };
  }

  read(path: string): AsyncIterable<Uint8Array> {
    throw new Error(`${path}: a digest store keeps no bytes`);
  }

  async list(prefix = ""): Promise<string[]> {
    return [...this.entries.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  async remove(prefix: string): Promise<void> {
    for (const p of [...this.entries.keys()]) if (p.startsWith(prefix)) this.entries.delete(p);
  }

  async removeFiles(paths: readonly string[]): Promise<void> {
    for (const p of paths) this.entries.delete(p);
  }
}
