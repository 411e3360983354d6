import type { Readable } from "node:stream";
import type { FileEntry } from "@tablesnap/core";
import type { Client } from "minio";
import { ArtifactNotFoundError } from "../errors.ts";
import { checkArtifactPath, underPrefix } from "../path.ts";
import type { ArtifactStore, ArtifactWriter } from "../types.ts";
import {
  createS3Client,
  type S3ArtifactStoreOptions,
  type S3Settings,
  s3Settings,
} from "./s3-client.ts";
import { errorCode, isNotFound, s3Error } from "./s3-errors.ts";
import { openS3Writer, STAGED } from "./s3-writer.ts";

type DeleteError = { Code?: string; Message?: string; Key?: string };
/** DeleteObjects takes at most 1000 keys a request. */
const DELETE_BATCH = 1000;

/**
 * Artifacts as objects under a bucket prefix, through the `minio` client. Each file appears whole
 * when its writer closes and carries its sha256 as `x-amz-meta-sha256`.
 *
 * @example
 * const store = new S3ArtifactStore({ endpoint: "http://127.0.0.1:9000", accessKey, secretKey,
 *   bucket: "tablesnap", prefix: `runs/${runId}/` });
 * await store.ensureBucket();
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly location: string;
  /** The minio client, shared by `forPrefix()` stores; for what the port does not cover. */
  readonly client: Client;
  readonly #options: S3Settings;

  /** The bucket, and the key prefix (`""` or ending in `/`) this store's paths go under. */
  get bucket(): string {
    return this.#options.bucket;
  }
  get prefix(): string {
    return this.#options.prefix;
  }

  /** `client`: share one connection pool between stores (see `forPrefix`). */
  constructor(options: S3ArtifactStoreOptions, client?: Client) {
    this.#options = s3Settings(options);
    const { bucket, prefix, endpoint } = this.#options;
    this.location = `s3://${bucket}/${prefix} at ${endpoint}`;
    this.client = client ?? createS3Client(options);
  }

  /** The same bucket and connection, under another prefix (one store per run). */
  forPrefix(prefix: string): S3ArtifactStore {
    return new S3ArtifactStore(
      { ...this.#options, accessKey: "", secretKey: "", prefix },
      this.client,
    );
  }

  /** Creates the bucket when it is missing; safe to call from several processes at once. */
  async ensureBucket(): Promise<void> {
    const { bucket, region } = this.#options;
    try {
      if (await this.client.bucketExists(bucket)) return;
      await this.client.makeBucket(bucket, region);
    } catch (cause) {
      const code = errorCode(cause);
      // Another process created it in between.
      if (code === "BucketAlreadyOwnedByYou") return;
      const exists = () => this.client.bucketExists(bucket).catch(() => false);
      if (code === "BucketAlreadyExists" && (await exists())) return;
      throw this.#fail("bucket creation", cause);
    }
  }

  async openWriter(path: string): Promise<ArtifactWriter> {
    const { bucket, partSize } = this.#options;
    const key = this.#key(checkArtifactPath(path));
    return openS3Writer({ client: this.client, bucket, key, path, partSize, fail: this.#fail });
  }

  async *read(path: string): AsyncIterable<Uint8Array> {
    const key = this.#key(checkArtifactPath(path));
    let body: Readable;
    try {
      body = await this.client.getObject(this.#options.bucket, key);
    } catch (cause) {
      if (isNotFound(cause)) throw new ArtifactNotFoundError(path, { cause });
      throw this.#fail("read", cause, key);
    }
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (cause) {
      throw this.#fail("read", cause, key);
    } finally {
      body.destroy();
    }
  }

  /** Size and sha256 of a stored file, from its metadata, without reading it. */
  async stat(path: string): Promise<FileEntry> {
    const key = this.#key(checkArtifactPath(path));
    try {
      const s = await this.client.statObject(this.#options.bucket, key);
      const sha256 = s.metaData["sha256"];
      if (typeof sha256 !== "string") throw new Error(`${key} has no sha256 metadata`);
      return { path, bytes: s.size, sha256 };
    } catch (cause) {
      if (isNotFound(cause)) throw new ArtifactNotFoundError(path, { cause });
      throw this.#fail("stat", cause, key);
    }
  }

  async list(prefix?: string): Promise<string[]> {
    const paths = await this.#keys(prefix ?? "");
    return paths.filter((p) => !STAGED.test(p)).sort();
  }

  async remove(prefix: string): Promise<void> {
    checkArtifactPath(prefix);
    const keys = (await this.#keys(prefix)).map((p) => this.#key(p));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      await this.#removeBatch(keys.slice(i, i + DELETE_BATCH));
    }
  }

  async removeFiles(paths: readonly string[]): Promise<void> {
    const keys = paths.map((p) => this.#key(checkArtifactPath(p)));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      await this.#removeBatch(keys.slice(i, i + DELETE_BATCH));
    }
  }

  /** Every stored path under `prefix`, staged uploads included. */
  async #keys(prefix: string): Promise<string[]> {
    const base = this.#options.prefix;
    const paths: string[] = [];
    try {
      const items = this.client.listObjectsV2(this.#options.bucket, base + prefix, true);
      for await (const item of items) {
        const name = (item as { name?: string }).name;
        if (name === undefined || !name.startsWith(base)) continue;
        const path = name.slice(base.length);
        if (underPrefix(path, prefix)) paths.push(path);
      }
    } catch (cause) {
      throw this.#fail("list", cause, base + prefix);
    }
    return paths;
  }

  /**
   * DeleteObjects is idempotent, so a failed batch is sent again (s3rver's file store fails
   * one now and then when two keys of a folder go at once; real servers throttle).
   */
  async #removeBatch(keys: string[], attempt = 1): Promise<void> {
    let refused: DeleteError | undefined;
    try {
      const [first] = await this.client.removeObjects(this.#options.bucket, keys);
      // Typed as `{ Error }`, but minio 8 returns the `<Error>` elements themselves.
      refused = first
        ? ((first as { Error?: DeleteError }).Error ?? (first as DeleteError))
        : undefined;
    } catch (cause) {
      const error = this.#fail("remove", cause, keys[0]);
      if (!error.retriable || attempt >= 3) throw error;
      return this.#removeBatch(keys, attempt + 1);
    }
    if (refused !== undefined) {
      const cause = Object.assign(new Error(refused.Message ?? "delete refused"), {
        code: refused.Code,
      });
      throw this.#fail("remove", cause, refused.Key);
    }
  }

  #key(path: string): string {
    return this.#options.prefix + path;
  }

  readonly #fail = (operation: string, cause: unknown, key?: string) =>
    s3Error(operation, cause, {
      endpoint: this.#options.endpoint,
      bucket: this.#options.bucket,
      ...(key === undefined ? {} : { key }),
    });
}
