import { type ArtifactStore, type ArtifactWriter, Digest } from "@tablesnap/artifacts";
import { encryptedPath, type FileEntry } from "@tablesnap/core";
import { EncryptingPipe } from "./stream.ts";

/**
 * The same store, encrypting to `recipients` every file `encrypts` picks: it is stored as
 * `<path>.age`, and its entry records the ciphertext's sha256 and size, the plaintext's, and the
 * recipients. Nothing of the plaintext is ever written; memory stays at a few 64 KiB chunks.
 */
export function encryptingStore(
  inner: ArtifactStore,
  recipients: readonly string[],
  encrypts: (path: string) => boolean,
): ArtifactStore {
  const sorted = [...recipients].sort();
  return {
    location: inner.location,
    read: (path) => inner.read(path),
    list: (prefix) => inner.list(prefix),
    remove: (prefix) => inner.remove(prefix),
    removeFiles: (paths) => inner.removeFiles(paths),
    async openWriter(path): Promise<ArtifactWriter> {
      if (!encrypts(path)) return inner.openWriter(path);
      return encryptingWriter(await inner.openWriter(encryptedPath(path)), sorted);
    },
  };
}

function encryptingWriter(out: ArtifactWriter, recipients: readonly string[]): ArtifactWriter {
  const plain = new Digest();
  const pipe = new EncryptingPipe(recipients, (c) => out.write(c));
  return {
    async write(chunk) {
      plain.update(chunk);
      await pipe.write(chunk);
    },
    async close(): Promise<FileEntry> {
      await pipe.close();
      const stored = await out.close();
      const bytes = plain.bytes;
      return { ...stored, plain: { sha256: plain.hex(), bytes }, recipients: [...recipients] };
    },
    async abort() {
      await pipe.abort();
      await out.abort();
    },
  };
}
