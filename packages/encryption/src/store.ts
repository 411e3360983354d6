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
      return encryptingWriter(inner, encryptedPath(path), sorted);
    },
  };
}

async function encryptingWriter(
  inner: ArtifactStore,
  path: string,
  recipients: readonly string[],
): Promise<ArtifactWriter> {
  const plain = new Digest();
  // The pipe first: a recipient age refuses fails here, before a file is opened. Ciphertext
  // (the header comes at once) waits for the file.
  let settle: { ok: (w: ArtifactWriter) => void; fail: (e: unknown) => void } | undefined;
  const file = new Promise<ArtifactWriter>((ok, fail) => {
    settle = { ok, fail };
  });
  file.catch(() => {});
  const pipe = new EncryptingPipe(recipients, async (c) => (await file).write(c));
  let opened: ArtifactWriter;
  try {
    opened = await inner.openWriter(path);
  } catch (e) {
    settle?.fail(e);
    await pipe.abort();
    throw e;
  }
  settle?.ok(opened);
  return {
    async write(chunk) {
      plain.update(chunk);
      await pipe.write(chunk);
    },
    async close(): Promise<FileEntry> {
      await pipe.close();
      const stored = await opened.close();
      const bytes = plain.bytes;
      return { ...stored, plain: { sha256: plain.hex(), bytes }, recipients: [...recipients] };
    },
    async abort() {
      await pipe.abort();
      await opened.abort();
    },
  };
}
