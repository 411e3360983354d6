import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "@tablesnap/artifacts";
import { messageOf, type StorageSection } from "@tablesnap/core";
import type { Identities } from "@tablesnap/encryption";
import { contentPath, type ObjectRecord } from "./listing.ts";
import { openStored, type ReadBackupFile, readListing } from "./read-listing.ts";
import { sample } from "./sample.ts";
import type { StorageSource } from "./source.ts";
import { hashOf, spool } from "./transfer.ts";

export interface StorageDrillOptions {
  readonly section: StorageSection;
  readonly read: ReadBackupFile;
  readonly files: ArtifactStore;
  readonly identities: Identities;
  /** Where the scratch bucket is made: the project's Storage, or any S3. */
  readonly target: StorageSource;
  /** Objects restored and compared, picked at random over every bucket. */
  readonly sample: number;
  readonly workDir: string;
}

export interface StorageDrillReport {
  readonly bucket: string;
  readonly objects: number;
  readonly checked: number;
  readonly problems: readonly string[];
}

/**
 * Restores a random sample of the backup's files into a scratch bucket (`tablesnap-drill-<hex>`),
 * reads each back and compares its sha256, size, content type, cache control and metadata with
 * the listing, then removes the objects and the bucket, whatever happened.
 */
export async function drillStorage(o: StorageDrillOptions): Promise<StorageDrillReport> {
  const all: { bucket: string; r: ObjectRecord }[] = [];
  for (const b of o.section.buckets)
    for (const r of await readListing(o.read, b, o.identities)) all.push({ bucket: b.name, r });
  const picked = sample(all, o.sample);
  const scratch = `tablesnap-drill-${randomBytes(6).toString("hex")}`;
  const problems: string[] = [];
  const written: string[] = [];
  await mkdir(o.workDir, { recursive: true });
  const work = await mkdtemp(join(o.workDir, "storage-drill-"));
  try {
    await o.target.ensureBucket(scratch);
    for (const { bucket, r } of picked) {
      const key = `${bucket}/${r.key}`;
      try {
        const path = contentPath(r.sha256, o.section.encrypted);
        const body = openStored((p) => o.files.read(p), path, o.section.encrypted, o.identities);
        const spooled = await spool(body, work);
        try {
          const meta = {
            contentType: r.content_type,
            cacheControl: r.cache_control,
            metadata: r.metadata,
          };
          await o.target.write(scratch, key, spooled.read(), spooled.bytes, meta);
          written.push(key);
        } finally {
          await spooled.drop();
        }
        const got = await o.target.get(scratch, key);
        const back = await hashOf(got.body);
        const wrong = [
          back.sha256 !== r.sha256 && `sha256 ${back.sha256}, listed ${r.sha256}`,
          back.bytes !== r.size && `${back.bytes} bytes, listed ${r.size}`,
          got.head.contentType !== r.content_type &&
            `content type ${got.head.contentType}, listed ${r.content_type}`,
          got.head.cacheControl !== r.cache_control &&
            `cache control ${got.head.cacheControl}, listed ${r.cache_control}`,
          JSON.stringify(got.head.metadata) !== JSON.stringify(r.metadata) &&
            "user metadata differs",
        ].filter(Boolean);
        if (wrong.length > 0) problems.push(`storage ${key}: read back with ${wrong.join(", ")}`);
      } catch (e) {
        problems.push(`storage ${key}: ${messageOf(e)}`);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await o.target.remove(scratch, written).catch((e: unknown) => {
      problems.push(`scratch bucket ${scratch} not emptied: ${messageOf(e)}`);
    });
    await o.target.dropBucket(scratch).catch((e: unknown) => {
      problems.push(`scratch bucket ${scratch} not removed: ${messageOf(e)}`);
    });
  }
  return { bucket: scratch, objects: all.length, checked: picked.length, problems };
}
