import { createHash } from "node:crypto";
import { idleBounded } from "./deadline.ts";
import { ObjectGoneError } from "./errors.ts";
import type { ListedObject, ObjectHead, ObjectMeta, StorageSource } from "./source.ts";

interface Held {
  readonly body: Buffer;
  readonly head: ObjectHead;
}

/** Buckets in Maps: for unit tests. ETags are the body's MD5, as S3 gives a single PUT. */
export class MemoryStorageSource implements StorageSource {
  readonly location = "memory:";
  readonly #buckets = new Map<string, Map<string, Held>>();
  /** Bumped on every write, so each write has its own time, with milliseconds as S3 lists them. */
  #clock = Date.parse("2026-01-01T00:00:00Z");

  async listBuckets(): Promise<string[]> {
    return [...this.#buckets.keys()].sort();
  }

  async *listObjects(bucket: string, prefix = ""): AsyncIterable<ListedObject> {
    const objects = this.#bucket(bucket);
    for (const key of [...objects.keys()].sort()) {
      const h = objects.get(key)?.head;
      if (h && key.startsWith(prefix))
        yield { key, size: h.size, etag: h.etag, lastModified: h.lastModified };
    }
  }

  /** As over HTTP: Last-Modified in whole seconds, where a listing gives milliseconds. */
  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    const h = this.#bucket(bucket).get(key)?.head;
    return (
      h && { ...h, lastModified: new Date(Math.floor(h.lastModified.getTime() / 1000) * 1000) }
    );
  }

  async *read(bucket: string, key: string): AsyncIterable<Uint8Array> {
    const held = this.#bucket(bucket).get(key);
    if (!held) throw new Error(`no object ${key} in ${bucket}`);
    yield held.body;
  }

  async get(bucket: string, key: string, signal?: AbortSignal) {
    const head = await this.head(bucket, key);
    if (!head) throw new ObjectGoneError(bucket, key);
    const body = this.body(bucket, key);
    return { head, body: idleBounded(body, 60_000, `GET of ${bucket}/${key}`, () => {}, signal) };
  }

  /** An object's bytes as `get` streams them; tests override it (a body that never ends). */
  protected body(bucket: string, key: string): AsyncIterable<Uint8Array> {
    return this.read(bucket, key);
  }

  async write(
    bucket: string,
    key: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    meta: ObjectMeta,
  ): Promise<void> {
    const chunks: Uint8Array[] = [];
    for await (const c of body) chunks.push(c);
    const all = Buffer.concat(chunks);
    if (all.length !== size) throw new Error(`${key}: ${all.length} bytes, announced ${size}`);
    this.put(bucket, key, all, meta);
  }

  async remove(bucket: string, keys: readonly string[]): Promise<void> {
    for (const k of keys) this.#bucket(bucket).delete(k);
  }

  async dropBucket(bucket: string): Promise<void> {
    if (this.#bucket(bucket).size > 0) throw new Error(`bucket ${bucket} is not empty`);
    this.#buckets.delete(bucket);
  }

  async ensureBucket(bucket: string): Promise<void> {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
  }

  /** Test setup: an object, now. */
  put(bucket: string, key: string, body: string | Buffer, meta: Partial<ObjectMeta> = {}): void {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
    const b = Buffer.from(body);
    this.#clock += 1234;
    this.#bucket(bucket).set(key, {
      body: b,
      head: {
        size: b.length,
        etag: createHash("md5").update(b).digest("hex"),
        lastModified: new Date(this.#clock),
        contentType: meta.contentType ?? "application/octet-stream",
        cacheControl: meta.cacheControl ?? null,
        metadata: meta.metadata ?? {},
      },
    });
  }

  #bucket(name: string): Map<string, Held> {
    const b = this.#buckets.get(name);
    if (!b) throw new Error(`no bucket ${name}`);
    return b;
  }
}
