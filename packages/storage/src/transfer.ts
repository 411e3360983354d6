import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ArtifactStore, Digest } from "@tablesnap/artifacts";

/** A local copy of some bytes, with their sha256; `drop()` removes it. */
export interface Spooled {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  read(): AsyncIterable<Uint8Array>;
  drop(): Promise<void>;
}

/**
 * Streams `body` into a file of `dir` while hashing it: the bytes are known by their sha256
 * before anything is stored or uploaded, in bounded memory whatever their size.
 */
export async function spool(body: AsyncIterable<Uint8Array>, dir: string): Promise<Spooled> {
  const path = join(dir, `spool-${randomBytes(8).toString("hex")}`);
  const digest = new Digest();
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const c of source) {
          digest.update(c);
          yield c;
        }
      },
      createWriteStream(path),
    );
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
  return {
    path,
    sha256: digest.hex(),
    bytes: digest.bytes,
    // Chunks of at most 1 MiB, and no bigger than the file: each read allocates a whole chunk.
    read: () =>
      createReadStream(path, { highWaterMark: Math.min(1 << 20, Math.max(1, digest.bytes)) }),
    drop: () => rm(path, { force: true }),
  };
}

/** Writes `body` to `path` of `store`; the writer is aborted on failure. */
export async function storeFile(
  store: ArtifactStore,
  path: string,
  body: AsyncIterable<Uint8Array>,
): Promise<void> {
  const w = await store.openWriter(path);
  try {
    await pipeline(
      body,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          w.write(chunk).then(() => done(), done);
        },
      }),
    );
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/** The sha256 and size of a stream, read to its end. */
export async function hashOf(
  body: AsyncIterable<Uint8Array>,
): Promise<{ sha256: string; bytes: number }> {
  const d = new Digest();
  for await (const c of body) d.update(c);
  return { sha256: d.hex(), bytes: d.bytes };
}
