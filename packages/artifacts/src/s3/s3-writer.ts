import { randomBytes } from "node:crypto";
import { type Client, CopyDestinationOptions, CopySourceOptions } from "minio";
import { Digest } from "../hashing.ts";
import type { ArtifactWriter } from "../types.ts";

/** Where a writer puts its object, and how it reports a failure. */
export interface S3WriterTarget {
  readonly client: Client;
  readonly bucket: string;
  readonly key: string;
  /** The artifact path, as the caller named it. */
  readonly path: string;
  readonly partSize: number;
  readonly fail: (operation: string, cause: unknown, key: string) => Error;
}

/** A multipart upload is staged under `<key>.tmp-<8 hex>` until it is copied to its key. */
export const STAGED = /\.tmp-[0-9a-f]{8}$/;

/**
 * Buffers up to one part. A file that fits goes up in one PUT on `close()`, with its sha256 as
 * `x-amz-meta-sha256`. A larger one streams as a multipart upload to a staging key (one part in
 * flight while the next fills, so `write` waits when the store is slower than the producer),
 * which `close()` completes and copies server-side to its key with the sha256, known only now:
 * S3 takes metadata when an upload starts, and the copy makes the object appear whole.
 */
export function openS3Writer(t: S3WriterTarget): ArtifactWriter {
  const digest = new Digest();
  let chunks: Buffer[] = [];
  let buffered = 0;
  let upload: MultipartUpload | undefined;
  let state: "open" | "closing" | "closed" | "aborted" = "open";
  const ensureOpen = () => {
    if (state !== "open") throw new Error(`artifact writer for ${t.path} is ${state}`);
  };

  const takePart = (): Buffer => {
    const all = Buffer.concat(chunks, buffered);
    const rest = Buffer.from(all.subarray(t.partSize));
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    return all.subarray(0, t.partSize);
  };

  return {
    async write(chunk) {
      ensureOpen();
      digest.update(chunk);
      chunks.push(Buffer.from(chunk)); // a copy: the caller may reuse its buffer
      buffered += chunk.byteLength;
      while (buffered > t.partSize) {
        upload ??= new MultipartUpload(t);
        try {
          await upload.add(takePart());
        } catch (cause) {
          ensureOpen();
          throw t.fail("upload", cause, t.key);
        }
        ensureOpen();
      }
    },

    async close() {
      ensureOpen();
      state = "closing";
      const sha256 = digest.hex();
      const rest = Buffer.concat(chunks, buffered);
      chunks = [];
      try {
        if (upload === undefined) {
          await t.client.putObject(t.bucket, t.key, rest, rest.length, {
            "x-amz-meta-sha256": sha256,
          });
        } else {
          if (rest.length > 0) await upload.add(rest);
          await upload.finish(sha256);
        }
      } catch (cause) {
        await upload?.abort();
        throw t.fail("upload", cause, t.key);
      } finally {
        state = "closed";
      }
      return { path: t.path, bytes: digest.bytes, sha256 };
    },

    async abort() {
      if (state === "closed" || state === "aborted") return;
      state = "aborted";
      chunks = [];
      await upload?.abort();
    },
  };
}

class MultipartUpload {
  readonly #t: S3WriterTarget;
  readonly #staging: string;
  #uploadId: Promise<string> | undefined;
  #inflight: Promise<void> = Promise.resolve();
  #failure: unknown;
  #aborted = false;
  readonly #parts: { part: number; etag: string }[] = [];
  #next = 1;

  constructor(t: S3WriterTarget) {
    this.#t = t;
    this.#staging = `${t.key}.tmp-${randomBytes(4).toString("hex")}`;
  }

  /** Starts sending `part` once the previous one is stored; its failure shows on the next call. */
  async add(part: Buffer): Promise<void> {
    await this.#inflight;
    if (this.#aborted) throw new Error("upload aborted");
    this.#throwFailure();
    const partNumber = this.#next++;
    this.#inflight = this.#send(partNumber, part).catch((e: unknown) => {
      this.#failure ??= e;
    });
  }

  async #send(partNumber: number, part: Buffer): Promise<void> {
    const { client, bucket } = this.#t;
    this.#uploadId ??= client.initiateNewMultipartUpload(bucket, this.#staging, {});
    const uploadID = await this.#uploadId;
    const { etag } = await client.uploadPart(
      { bucketName: bucket, objectName: this.#staging, uploadID, partNumber, headers: {} },
      part,
    );
    this.#parts.push({ part: partNumber, etag });
  }

  async finish(sha256: string): Promise<void> {
    const { client, bucket, key } = this.#t;
    await this.#inflight;
    this.#throwFailure();
    const uploadId = await this.#uploadId;
    if (uploadId === undefined) throw new Error("multipart upload finished before any part");
    const parts = [...this.#parts].sort((a, b) => a.part - b.part);
    await client.completeMultipartUpload(bucket, this.#staging, uploadId, parts);
    try {
      await client.copyObject(
        new CopySourceOptions({ Bucket: bucket, Object: this.#staging }),
        new CopyDestinationOptions({
          Bucket: bucket,
          Object: key,
          MetadataDirective: "REPLACE",
          UserMetadata: { sha256 },
        }),
      );
    } finally {
      // A staging object left behind is hidden from list() and goes with remove(prefix).
      await client.removeObject(bucket, this.#staging).catch(() => undefined);
    }
  }

  /**
   * Best effort: the parts are invisible either way, and a server without AbortMultipartUpload
   * (s3rver) or a lost connection leaves them to the bucket's AbortIncompleteMultipartUpload rule.
   */
  async abort(): Promise<void> {
    this.#aborted = true;
    await this.#inflight;
    const uploadId = await this.#uploadId?.catch(() => undefined);
    if (uploadId === undefined) return;
    await this.#t.client
      .abortMultipartUpload(this.#t.bucket, this.#staging, uploadId)
      .catch(() => undefined);
  }

  #throwFailure(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
