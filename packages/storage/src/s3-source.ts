import type { Readable } from "node:stream";
import { Client } from "minio";
import { idleBounded, STORAGE_REQUEST_MS, within } from "./deadline.ts";
import { ObjectGoneError, StorageError, storageFailure } from "./errors.ts";
import { chunked, headersOf, isGone, metaFromHeaders, metaOf, unquote } from "./s3-headers.ts";
import type { ListedObject, ObjectHead, ObjectMeta, StorageSource } from "./source.ts";

export interface S3SourceOptions {
  /** `https://<ref>.supabase.co/storage/v1/s3`, or any S3 endpoint; a path is kept. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** The project's region (Supabase's dashboard names it); default `us-east-1`. */
  readonly region?: string;
  /** Bound of one request and of the gap between two chunks; default 60 s. */
  readonly requestMs?: number;
}

/** Objects up to this size go up in one PUT; larger ones in parts of this size. */
const PART = 8 << 20;
const DELETE_BATCH = 1000;

/**
 * A minio client whose requests go under the endpoint's path (`/storage/v1/s3`): Supabase signs
 * and checks the whole path, so it is added before the request is signed.
 */
class PathClient extends Client {
  readonly #base: string;
  constructor(options: ConstructorParameters<typeof Client>[0], base: string) {
    super(options);
    this.#base = base;
  }
  protected override getRequestOptions(
    opts: Parameters<Client["getRequestOptions"]>[0],
  ): ReturnType<Client["getRequestOptions"]> {
    const o = super.getRequestOptions(opts);
    return { ...o, path: `${this.#base}${o.path ?? "/"}` };
  }
}

/** A project's Storage (or any S3 server) through its S3 endpoint. */
export class S3StorageSource implements StorageSource {
  readonly location: string;
  readonly #client: Client;
  readonly #region: string;
  readonly #ms: number;

  constructor(o: S3SourceOptions) {
    const url = new URL(o.endpoint);
    const base = url.pathname.replace(/\/+$/, "");
    this.location = `${url.origin}${base}`;
    this.#region = o.region ?? "us-east-1";
    this.#ms = o.requestMs ?? STORAGE_REQUEST_MS;
    this.#client = new PathClient(
      {
        endPoint: url.hostname,
        port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
        useSSL: url.protocol === "https:",
        accessKey: o.accessKey,
        secretKey: o.secretKey,
        region: this.#region,
        pathStyle: true,
        retryOptions: { disableRetry: true },
      },
      base,
    );
  }

  async listBuckets(): Promise<string[]> {
    const all = await this.#call("bucket listing", "the endpoint", () =>
      this.#client.listBuckets(),
    );
    return all.map((b) => b.name).sort();
  }

  async *listObjects(bucket: string, prefix = ""): AsyncIterable<ListedObject> {
    const where = `${bucket}/${prefix}`;
    const items = this.#client.listObjectsV2(bucket, prefix, true);
    try {
      const bounded = idleBounded(items, this.#ms, `Storage listing of ${where}`, () =>
        items.destroy(),
      );
      for await (const raw of bounded) {
        const i = raw as unknown as {
          name?: string;
          size: number;
          etag?: string;
          lastModified: Date;
        };
        if (i.name === undefined) continue;
        yield {
          key: i.name,
          size: i.size,
          etag: unquote(i.etag ?? ""),
          lastModified: i.lastModified,
        };
      }
    } catch (e) {
      throw storageFailure("listing", where, e);
    }
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const s = await within(
        this.#client.statObject(bucket, key),
        this.#ms,
        `Storage HEAD of ${bucket}/${key}`,
      );
      return {
        size: s.size,
        etag: unquote(s.etag),
        lastModified: s.lastModified,
        ...metaOf(s.metaData),
      };
    } catch (e) {
      if (isGone(e)) return undefined;
      throw storageFailure("HEAD", `${bucket}/${key}`, e);
    }
  }

  async *read(bucket: string, key: string): AsyncIterable<Uint8Array> {
    yield* (await this.get(bucket, key)).body;
  }

  async get(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<{ head: ObjectHead; body: AsyncIterable<Uint8Array> }> {
    const where = `${bucket}/${key}`;
    const res = await this.#call(
      "GET",
      where,
      () => this.#client.getObject(bucket, key),
      (late) => late.destroy(),
    ).catch((e: unknown) => {
      throw isGone(e) ? new ObjectGoneError(bucket, key) : e;
    });
    const h =
      (res as Readable & { headers?: Record<string, string | string[] | undefined> }).headers ?? {};
    const one = (name: string) => [h[name]].flat()[0];
    const head: ObjectHead = {
      size: Number(one("content-length") ?? Number.NaN),
      etag: unquote(one("etag") ?? ""),
      lastModified: new Date(one("last-modified") ?? 0),
      ...metaFromHeaders(h),
    };
    const ms = this.#ms;
    async function* body(): AsyncIterable<Uint8Array> {
      try {
        yield* idleBounded(res, ms, `Storage GET of ${where}`, () => res.destroy(), signal);
      } catch (e) {
        res.destroy();
        throw storageFailure("GET", where, e);
      }
    }
    return { head, body: body() };
  }

  async write(
    bucket: string,
    key: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    meta: ObjectMeta,
  ): Promise<void> {
    const headers = headersOf(meta);
    const where = `${bucket}/${key}`;
    if (size <= PART) {
      const chunks: Uint8Array[] = [];
      for await (const c of body) chunks.push(c);
      const all = Buffer.concat(chunks);
      await this.#call("PUT", where, () =>
        this.#client.putObject(bucket, key, all, all.length, headers),
      );
      return;
    }
    const c = this.#client;
    const uploadID = await this.#call("upload start", where, () =>
      c.initiateNewMultipartUpload(bucket, key, headers),
    );
    try {
      const parts: { part: number; etag: string }[] = [];
      for await (const part of chunked(body, PART)) {
        const partNumber = parts.length + 1;
        const r = await this.#call("part upload", where, () =>
          c.uploadPart(
            { bucketName: bucket, objectName: key, uploadID, partNumber, headers: {} },
            part,
          ),
        );
        parts.push({ part: partNumber, etag: r.etag });
      }
      await this.#call("upload completion", where, () =>
        c.completeMultipartUpload(bucket, key, uploadID, parts),
      );
    } catch (e) {
      await c.abortMultipartUpload(bucket, key, uploadID).catch(() => undefined);
      throw e;
    }
  }

  /**
   * DeleteObjects in batches of 1,000; a batch the server fails as a whole (a 5xx: s3rver does
   * so when two keys of a batch empty the same folder) is deleted key by key instead.
   */
  async remove(bucket: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const many = () =>
        this.#call("delete", bucket, () => this.#client.removeObjects(bucket, [...batch]));
      const r = await many().catch(async (e: unknown) => {
        if (!(e instanceof StorageError && e.retriable)) throw e;
        for (const key of batch)
          await this.#call("delete", `${bucket}/${key}`, () =>
            this.#client.removeObject(bucket, key),
          );
        return [];
      });
      const failed = (r as { Code?: string; Key?: string }[]).filter((x) => x.Code);
      if (failed.length > 0)
        throw storageFailure("delete", `${bucket}/${failed[0]?.Key}`, {
          code: failed[0]?.Code,
          message: `${failed.length} object(s) not deleted`,
        });
    }
  }

  async dropBucket(bucket: string): Promise<void> {
    await this.#call("bucket removal", bucket, () => this.#client.removeBucket(bucket));
  }

  async ensureBucket(bucket: string): Promise<void> {
    const exists = await this.#call("bucket check", bucket, () =>
      this.#client.bucketExists(bucket),
    );
    if (!exists)
      await this.#call("bucket creation", bucket, () =>
        this.#client.makeBucket(bucket, this.#region),
      );
  }

  async #call<T>(
    operation: string,
    where: string,
    fn: () => Promise<T>,
    discard?: (late: T) => void,
  ): Promise<T> {
    const what = `Storage ${operation} of ${where} at ${this.location}`;
    try {
      return await within(fn(), this.#ms, what, discard);
    } catch (e) {
      throw isGone(e) ? e : storageFailure(operation, where, e);
    }
  }
}
