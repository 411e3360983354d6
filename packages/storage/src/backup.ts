import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ArtifactStore, writeText } from "@tablesnap/artifacts";
import type { FileEntry, StorageBucketEntry, StorageSection } from "@tablesnap/core";
import { encryptingStore } from "@tablesnap/encryption";
import { ObjectGoneError } from "./errors.ts";
import {
  bucketFolder,
  contentPath,
  listingPath,
  type ObjectRecord,
  serializeListing,
} from "./listing.ts";
import { eachLimit } from "./pool.ts";
import { keyHash, SeenIndex, type SeenObject } from "./seen.ts";
import type { ListedObject, ObjectMeta, StorageSource } from "./source.ts";
import { spool, storeFile } from "./transfer.ts";

/** A `storage.objects` row of the database snapshot. */
export interface ObjectRow {
  readonly id: string;
  readonly bucket_id: string;
  readonly name: string;
}

export interface StorageBackupOptions {
  readonly source: StorageSource;
  /** The file store: each object's bytes once, by sha256. */
  readonly files: ArtifactStore;
  /** The backup being written: the listings go here. */
  readonly backup: ArtifactStore;
  /** Bucket names, or every bucket the endpoint lists. */
  readonly buckets: readonly string[] | "all";
  /** The database snapshot's time: objects written later are marked. */
  readonly snapshotTime: string;
  /** `storage.objects` as the snapshot holds it; undefined when the database has no such table. */
  readonly rows: readonly ObjectRow[] | undefined;
  /** Encrypt stored files and listings to these recipients. */
  readonly recipients?: readonly string[] | undefined;
  /** Where objects are spooled while they are hashed. */
  readonly workDir: string;
  readonly jobs: number;
  readonly signal: AbortSignal;
  readonly onProgress?: (p: StorageProgress) => void;
}

export interface StorageProgress {
  readonly objects: number;
  readonly copied: number;
  readonly copiedBytes: number;
}

export interface StorageBackupResult {
  readonly section: StorageSection;
  /** Objects whose bytes were read from Storage (and stored, unless the store had them). */
  readonly read: number;
  readonly readBytes: number;
  /** Files written to the file store, and their (plaintext) bytes. */
  readonly copied: number;
  readonly copiedBytes: number;
  /** Objects taken from the previous listing without reading them. */
  readonly unchanged: number;
  /** Objects listed but gone when read: deleted meanwhile, or a row Storage lists without a file. */
  readonly gone: number;
}

const ROW_NAMES = 100;

/**
 * Reads every object of the buckets after the database snapshot: each new or changed object is
 * read in one GET (bytes and metadata), spooled while hashed and stored once by its sha256; an
 * object whose ETag, size and time are those the store saw last time, and whose file the store
 * holds, is not read (when files are encrypted, only HEADed for its metadata). Writes one listing
 * per bucket into `backup` and says how the objects and the snapshot's rows agree.
 */
export async function backupStorage(o: StorageBackupOptions): Promise<StorageBackupResult> {
  const started = new Date().toISOString();
  const encrypted = (o.recipients?.length ?? 0) > 0;
  const recipients = o.recipients ?? [];
  const files = encrypted ? encryptingStore(o.files, recipients, () => true) : o.files;
  const listings = encrypted
    ? encryptingStore(o.backup, recipients, (p) => p.startsWith("storage/"))
    : o.backup;
  const held = new Set(await o.files.list("sha256"));
  const seenIndex = new SeenIndex(o.files);
  const names = o.buckets === "all" ? await o.source.listBuckets() : [...o.buckets];
  const rows = rowIndex(o.rows);
  const snapshot = Date.parse(o.snapshotTime);
  const tally = {
    ...{ objects: 0, read: 0, readBytes: 0, copied: 0, copiedBytes: 0, unchanged: 0 },
    gone: 0,
  };
  await mkdir(o.workDir, { recursive: true });
  const work = await mkdtemp(join(o.workDir, "storage-"));
  const buckets: StorageBucketEntry[] = [];
  // Two objects with the same bytes read at once store them once: the second waits for the first.
  const storing = new Map<string, Promise<void>>();
  const store = async (sha: string, bytes: number, open: () => AsyncIterable<Uint8Array>) => {
    const path = contentPath(sha, encrypted);
    if (held.has(path)) return;
    const running = storing.get(path);
    if (running) return running;
    const run = (async () => {
      // An encrypting store adds the `.age` itself.
      await storeFile(files, contentPath(sha, false), open());
      held.add(path);
      tally.copied++;
      tally.copiedBytes += bytes;
    })();
    storing.set(path, run);
    try {
      await run;
    } finally {
      storing.delete(path);
    }
  };
  /** One object's line, reading it unless it is unchanged; undefined when it is gone. */
  const recordObject = async (bucket: string, obj: ListedObject, prev: SeenObject | undefined) => {
    if (prev && sameObject(prev, obj) && held.has(contentPath(prev.sha256, encrypted))) {
      // Unchanged: its metadata as remembered, or (encrypted, so not remembered) a HEAD.
      const meta = prev.meta ?? (await o.source.head(bucket, obj.key));
      if (meta === undefined) return undefined;
      tally.unchanged++;
      return { r: recordOf(obj, metaOf(meta), prev.sha256, obj.size), stable: true };
    }
    let got: Awaited<ReturnType<StorageSource["get"]>>;
    try {
      got = await o.source.get(bucket, obj.key, o.signal);
    } catch (e) {
      if (e instanceof ObjectGoneError) return undefined;
      throw e;
    }
    const spooled = await spool(got.body, work);
    try {
      await store(spooled.sha256, spooled.bytes, () => spooled.read());
    } finally {
      await spooled.drop();
    }
    tally.read++;
    tally.readBytes += spooled.bytes;
    return {
      r: recordOf(obj, metaOf(got.head), spooled.sha256, spooled.bytes),
      // Rewritten between the listing and the GET: its bytes are newer than the listing.
      stable: got.head.etag === obj.etag && spooled.bytes === obj.size,
    };
  };
  try {
    for (const bucket of names) {
      const before = await seenIndex.load(bucket);
      const seen = new Map<string, SeenObject>();
      const listed: ListedObject[] = [];
      for await (const obj of o.source.listObjects(bucket)) listed.push(obj);
      const records: ObjectRecord[] = [];
      const goneBefore = tally.gone;
      await eachLimit(listed, o.jobs, o.signal, async (obj) => {
        const k = keyHash(obj.key);
        const got = await recordObject(bucket, obj, before.get(k));
        // Deleted since the listing (or a row Storage lists without a file): counted, not listed.
        if (got === undefined) {
          tally.gone++;
          return;
        }
        const { r, stable } = got;
        // Remembered by the listing's own values (a GET's Last-Modified has whole seconds only);
        // an object read while it changed is not remembered, so the next backup reads it again.
        if (stable)
          seen.set(k, { ...seenOf(obj, r.sha256), ...(encrypted ? {} : { meta: metaOf(r) }) });
        const changed = obj.lastModified.getTime() > snapshot || !stable;
        records.push(mark({ ...r, row_id: rows.get(rowKey(bucket, obj.key)) ?? null }, changed));
        tally.objects++;
        o.onProgress?.({
          objects: tally.objects,
          copied: tally.copied,
          copiedBytes: tally.copiedBytes,
        });
      });
      const file = await writeText(listings, listingPath(bucket), serializeListing(records));
      await seenIndex.save(bucket, seen);
      const entry = bucketEntry(bucket, records, file, rows.forBucket(bucket));
      buckets.push({ ...entry, gone_during_backup: tally.gone - goneBefore });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const finished = new Date().toISOString();
  const changed = buckets.reduce((a, b) => a + b.changed_during_backup, 0);
  const gone = `${tally.gone} listed object(s) were gone when read (deleted meanwhile, or a row without a file) and are not in the listings`;
  return {
    section: {
      store: o.files.location,
      encrypted,
      read_started: started,
      read_finished: finished,
      consistency: `Files were read from ${started} to ${finished}, after the database snapshot of ${o.snapshotTime}; ${changed} object(s) written after the snapshot are marked changed_during_backup in their bucket's objects.jsonl; ${gone}.`,
      buckets,
    },
    read: tally.read,
    readBytes: tally.readBytes,
    copied: tally.copied,
    copiedBytes: tally.copiedBytes,
    unchanged: tally.unchanged,
    gone: tally.gone,
  };
}

const NO_META: ObjectMeta = { contentType: null, cacheControl: null, metadata: {} };

/** The content type, cache control and user metadata of a head or a record. */
function metaOf(h: ObjectMeta | Omit<ObjectRecord, "row_id"> | undefined): ObjectMeta {
  if (h === undefined) return NO_META;
  if ("content_type" in h)
    return { contentType: h.content_type, cacheControl: h.cache_control, metadata: h.metadata };
  return { contentType: h.contentType, cacheControl: h.cacheControl, metadata: h.metadata };
}

function seenOf(obj: ListedObject, sha256: string): SeenObject {
  return { etag: obj.etag, size: obj.size, last_modified: obj.lastModified.toISOString(), sha256 };
}

function sameObject(prev: SeenObject, obj: ListedObject): boolean {
  return (
    prev.etag === obj.etag &&
    prev.size === obj.size &&
    prev.last_modified === obj.lastModified.toISOString()
  );
}

/** An object's line: the listing's ETag and time, the bytes' size and sha256, `meta`. */
function recordOf(
  obj: ListedObject,
  meta: ObjectMeta,
  sha256: string,
  size: number,
): Omit<ObjectRecord, "row_id"> {
  return {
    key: obj.key,
    size,
    sha256,
    etag: obj.etag,
    last_modified: obj.lastModified.toISOString(),
    content_type: meta.contentType,
    cache_control: meta.cacheControl,
    metadata: meta.metadata,
  };
}

function mark(r: ObjectRecord, changed: boolean): ObjectRecord {
  const { changed_during_backup: _, ...rest } = r;
  return changed ? { ...rest, changed_during_backup: true } : rest;
}

function bucketEntry(
  bucket: string,
  records: readonly ObjectRecord[],
  file: FileEntry,
  rows: readonly ObjectRow[] | undefined,
): StorageBucketEntry {
  const keys = new Set(records.map((r) => r.key));
  const orphans = (rows ?? []).filter((r) => !keys.has(r.name)).map((r) => r.name);
  orphans.sort();
  return {
    name: bucket,
    path: bucketFolder(bucket),
    objects: records.length,
    bytes: records.reduce((a, r) => a + r.size, 0),
    files: [file],
    changed_during_backup: records.filter((r) => r.changed_during_backup).length,
    files_without_row: rows === undefined ? 0 : records.filter((r) => r.row_id === null).length,
    rows_without_file: orphans.slice(0, ROW_NAMES),
    rows_without_file_count: orphans.length,
  };
}

function rowKey(bucket: string, name: string): string {
  return `${bucket}\u0000${name}`;
}

function rowIndex(rows: readonly ObjectRow[] | undefined) {
  const ids = new Map((rows ?? []).map((r) => [rowKey(r.bucket_id, r.name), r.id]));
  return {
    get: (k: string) => ids.get(k),
    forBucket: (b: string) =>
      rows === undefined ? undefined : rows.filter((r) => r.bucket_id === b),
  };
}
