import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "@tablesnap/artifacts";
import { type StorageSection, UsageError } from "@tablesnap/core";
import type { Identities } from "@tablesnap/encryption";
import type { ObjectRow } from "./backup.ts";
import { ObjectGoneError, StoredFileMismatchError } from "./errors.ts";
import { contentPath, type ObjectRecord } from "./listing.ts";
import { eachLimit } from "./pool.ts";
import { openStored, type ReadBackupFile, readListing } from "./read-listing.ts";
import type { StorageSource } from "./source.ts";
import { hashOf, spool } from "./transfer.ts";

export interface StorageRestoreOptions {
  readonly section: StorageSection;
  /** Reads the backup folder (the listings). */
  readonly read: ReadBackupFile;
  /** The file store the backup's files were kept in. */
  readonly files: ArtifactStore;
  readonly identities: Identities;
  readonly target: StorageSource;
  /** Only these buckets (all of the backup's when empty). */
  readonly buckets: readonly string[];
  /** Only objects whose key starts with this. */
  readonly prefix: string;
  /** Also delete the target's objects the backup does not have (under `prefix`). */
  readonly mirror: boolean;
  readonly dryRun: boolean;
  /** The target database's `storage.objects` rows, to check they agree with the files. */
  readonly rows: readonly ObjectRow[] | undefined;
  readonly workDir: string;
  readonly jobs: number;
  readonly signal: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BucketRestore {
  readonly name: string;
  /** Objects written (or, in a dry run, to write), and their bytes. */
  readonly put: number;
  readonly putBytes: number;
  /** Objects the target already had with the same sha256. */
  readonly same: number;
  /** Objects deleted by `--mirror` (or, in a dry run, to delete). */
  readonly deleted: readonly string[];
}

export interface StorageRestoreReport {
  readonly dryRun: boolean;
  readonly buckets: readonly BucketRestore[];
  /** `bucket/name` of rows without a file, and of files without a row (at most 100 each). */
  readonly rowsWithoutFile: readonly string[];
  readonly rowsWithoutFileCount: number;
  readonly filesWithoutRow: readonly string[];
  readonly filesWithoutRowCount: number;
  /** Where the rows compared came from. */
  readonly rowsFrom: "target database" | "backup";
}

const NAMES = 100;

/**
 * Puts a backup's files back into a Storage through its S3 endpoint, with their metadata. Each
 * file is read from the store and checked against its sha256 before anything is written; an
 * object the target has with the same sha256 is left alone.
 */
export async function restoreStorage(o: StorageRestoreOptions): Promise<StorageRestoreReport> {
  const chosen = o.section.buckets.filter(
    (b) => o.buckets.length === 0 || o.buckets.includes(b.name),
  );
  const missing = o.buckets.filter((b) => !o.section.buckets.some((x) => x.name === b));
  if (missing.length > 0)
    throw new UsageError(
      `the backup has no bucket ${missing.join(", ")} (it has ${o.section.buckets.map((b) => b.name).join(", ") || "none"})`,
    );
  await mkdir(o.workDir, { recursive: true });
  const work = await mkdtemp(join(o.workDir, "storage-restore-"));
  const out: BucketRestore[] = [];
  const noRow: string[] = [];
  const noFile: string[] = [];
  let done = 0;
  try {
    const plans = [];
    for (const b of chosen) {
      const records = (await readListing(o.read, b, o.identities)).filter((r) =>
        r.key.startsWith(o.prefix),
      );
      plans.push({ bucket: b.name, records });
    }
    const total = plans.reduce((a, p) => a + p.records.length, 0);
    for (const { bucket, records } of plans) {
      if (!o.dryRun) await o.target.ensureBucket(bucket);
      const present = await presentObjects(o.target, bucket, o.prefix, o.dryRun);
      const tally = { put: 0, putBytes: 0, same: 0 };
      await eachLimit(records, o.jobs, o.signal, async (r) => {
        const there = present.get(r.key);
        if (
          there !== undefined &&
          there === r.size &&
          (await sameObject(o.target, bucket, r, o.signal))
        ) {
          tally.same++;
        } else {
          if (!o.dryRun) await putBack(o, bucket, r, work);
          tally.put++;
          tally.putBytes += r.size;
        }
        o.onProgress?.(++done, total);
      });
      const keys = new Set(records.map((r) => r.key));
      const extra = o.mirror ? [...present.keys()].filter((k) => !keys.has(k)).sort() : [];
      if (!o.dryRun && extra.length > 0) await o.target.remove(bucket, extra);
      out.push({ name: bucket, ...tally, deleted: extra });
      agreement(o, bucket, records, noRow, noFile);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (o.rows === undefined)
    for (const b of chosen)
      for (const n of b.rows_without_file)
        if (n.startsWith(o.prefix)) noFile.push(`${b.name}/${n}`);
  return {
    dryRun: o.dryRun,
    buckets: out,
    rowsWithoutFile: noFile.slice(0, NAMES),
    // The backup names at most 100 rows a bucket: under a prefix, only those are counted.
    rowsWithoutFileCount:
      o.rows === undefined && o.prefix === ""
        ? chosen.reduce((a, b) => a + b.rows_without_file_count, 0)
        : noFile.length,
    filesWithoutRow: noRow.slice(0, NAMES),
    filesWithoutRowCount: noRow.length,
    rowsFrom: o.rows === undefined ? "backup" : "target database",
  };
}

/** Compares the bucket's files with the rows: the target database's, or the snapshot's ids. */
function agreement(
  o: StorageRestoreOptions,
  bucket: string,
  records: readonly ObjectRecord[],
  noRow: string[],
  noFile: string[],
): void {
  if (o.rows === undefined) {
    for (const r of records) if (r.row_id === null) noRow.push(`${bucket}/${r.key}`);
    return;
  }
  const rows = new Set(
    o.rows.filter((r) => r.bucket_id === bucket && r.name.startsWith(o.prefix)).map((r) => r.name),
  );
  const keys = new Set(records.map((r) => r.key));
  for (const r of records) if (!rows.has(r.key)) noRow.push(`${bucket}/${r.key}`);
  for (const n of [...rows].sort()) if (!keys.has(n)) noFile.push(`${bucket}/${n}`);
}

async function presentObjects(
  target: StorageSource,
  bucket: string,
  prefix: string,
  dryRun: boolean,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (dryRun && !(await target.listBuckets()).includes(bucket)) return out;
  for await (const obj of target.listObjects(bucket, prefix)) out.set(obj.key, obj.size);
  return out;
}

/**
 * Whether the target holds the object as the backup has it: the same sha256, content type, cache
 * control and user metadata. One the target lists but cannot give (Supabase lists the rows a
 * database restore just wrote, before their files are back) is not the same.
 */
async function sameObject(
  target: StorageSource,
  bucket: string,
  r: ObjectRecord,
  signal: AbortSignal,
): Promise<boolean> {
  let got: Awaited<ReturnType<StorageSource["get"]>>;
  try {
    got = await target.get(bucket, r.key, signal);
  } catch (e) {
    if (e instanceof ObjectGoneError) return false;
    throw e;
  }
  const bytes = await hashOf(got.body);
  const h = got.head;
  return (
    bytes.sha256 === r.sha256 &&
    h.contentType === r.content_type &&
    h.cacheControl === r.cache_control &&
    JSON.stringify(h.metadata) === JSON.stringify(r.metadata)
  );
}

/** Reads the file from the store, checks it, then writes it with its metadata. */
async function putBack(
  o: StorageRestoreOptions,
  bucket: string,
  r: ObjectRecord,
  work: string,
): Promise<void> {
  const path = contentPath(r.sha256, o.section.encrypted);
  const spooled = await spool(
    openStored((p) => o.files.read(p), path, o.section.encrypted, o.identities),
    work,
  );
  try {
    if (spooled.sha256 !== r.sha256)
      throw new StoredFileMismatchError(bucket, r.key, r.sha256, spooled.sha256);
    await o.target.write(bucket, r.key, spooled.read(), spooled.bytes, {
      contentType: r.content_type,
      cacheControl: r.cache_control,
      metadata: r.metadata,
    });
  } finally {
    await spooled.drop();
  }
}
