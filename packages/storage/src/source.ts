/** One object as a bucket listing gives it. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** As the server gives it, without quotes. */
  readonly etag: string;
  readonly lastModified: Date;
}

/** What is put back with an object: the headers Supabase Storage keeps for it. */
export interface ObjectMeta {
  readonly contentType: string | null;
  readonly cacheControl: string | null;
  /** `x-amz-meta-*` without the prefix, keys in lower case. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectHead extends ObjectMeta {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
}

/**
 * Buckets and objects of a project's Storage, through its S3 endpoint: what a backup reads and
 * a restore writes. Keys are the objects' names, any UTF-8 (spaces, `..`, slashes).
 */
export interface StorageSource {
  /** For messages: the endpoint, never the keys. */
  readonly location: string;
  listBuckets(): Promise<string[]>;
  /** Every object of the bucket whose key starts with `prefix`. */
  listObjects(bucket: string, prefix?: string): AsyncIterable<ListedObject>;
  /** Undefined when the object does not exist. */
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  read(bucket: string, key: string): AsyncIterable<Uint8Array>;
  /** The object's bytes with its headers, in one GET; `signal` stops the body at once. */
  get(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<{ head: ObjectHead; body: AsyncIterable<Uint8Array> }>;
  /** Stores `body` (exactly `size` bytes) with `meta`, in bounded memory whatever its size. */
  write(
    bucket: string,
    key: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    meta: ObjectMeta,
  ): Promise<void>;
  remove(bucket: string, keys: readonly string[]): Promise<void>;
  /** Creates the bucket when it is missing. */
  ensureBucket(bucket: string): Promise<void>;
  /** Removes an empty bucket. */
  dropBucket(bucket: string): Promise<void>;
}
