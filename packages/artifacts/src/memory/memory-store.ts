import { ArtifactNotFoundError } from "../errors.ts";
import { Digest } from "../hashing.ts";
import { checkArtifactPath, underPrefix } from "../path.ts";
import type { ArtifactStore, ArtifactWriter } from "../types.ts";

/** Artifacts in a Map: for unit tests and for runs that never touch a disk. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly location = "memory:";
  readonly #files = new Map<string, Uint8Array>();

  async openWriter(path: string): Promise<ArtifactWriter> {
    checkArtifactPath(path);
    const chunks: Uint8Array[] = [];
    const digest = new Digest();
    let open = true;
    return {
      write: async (chunk) => {
        if (!open) throw new Error(`writer for ${path} is closed`);
        digest.update(chunk);
        chunks.push(Uint8Array.from(chunk));
      },
      close: async () => {
        open = false;
        this.#files.set(path, Buffer.concat(chunks));
        return { path, bytes: digest.bytes, sha256: digest.hex() };
      },
      abort: async () => {
        open = false;
      },
    };
  }

  async *read(path: string): AsyncIterable<Uint8Array> {
    const data = this.#files.get(checkArtifactPath(path));
    if (!data) throw new ArtifactNotFoundError(path);
    yield data;
  }

  async list(prefix?: string): Promise<string[]> {
    return [...this.#files.keys()].filter((p) => underPrefix(p, prefix)).sort();
  }

  async remove(prefix: string): Promise<void> {
    checkArtifactPath(prefix);
    for (const p of [...this.#files.keys()]) if (underPrefix(p, prefix)) this.#files.delete(p);
  }

  async removeFiles(paths: readonly string[]): Promise<void> {
    for (const p of paths) this.#files.delete(checkArtifactPath(p));
  }
}
