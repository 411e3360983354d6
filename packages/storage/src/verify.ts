import type { ArtifactStore } from "@tablesnap/artifacts";
import { messageOf, type StorageSection } from "@tablesnap/core";
import type { Identities } from "@tablesnap/encryption";
import { contentPath, type ObjectRecord } from "./listing.ts";
import { openStored, type ReadBackupFile, readListing } from "./read-listing.ts";
import { sample } from "./sample.ts";
import { hashOf } from "./transfer.ts";

export interface StorageVerifyOptions {
  readonly section: StorageSection;
  readonly read: ReadBackupFile;
  readonly files: ArtifactStore;
  readonly identities: Identities;
  /** Check this many objects picked at random, not all of them. */
  readonly sample?: number | undefined;
}

export interface StorageVerifyReport {
  readonly objects: number;
  readonly checked: number;
  readonly bytes: number;
  /** Encrypted files not opened (no identity given): their listing, or they themselves. */
  readonly unopened: number;
  readonly problems: readonly string[];
}

/**
 * Re-hashes stored files against the backup's listings: every object, or a random sample. A
 * file missing from the store, or whose bytes differ from the listing, is a problem.
 */
export async function verifyStorage(o: StorageVerifyOptions): Promise<StorageVerifyReport> {
  const all: { bucket: string; r: ObjectRecord }[] = [];
  const blind = o.identities.keys.length === 0;
  // Files are encrypted exactly when their listing is; without an identity neither is read.
  let unopened = 0;
  for (const b of o.section.buckets) {
    if (blind && b.files.some((f) => f.recipients)) {
      unopened += b.objects;
      continue;
    }
    for (const r of await readListing(o.read, b, o.identities)) all.push({ bucket: b.name, r });
  }
  const picked = o.sample === undefined ? all : sample(all, o.sample);
  const held = new Set(await o.files.list("sha256"));
  const problems: string[] = [];
  let bytes = 0;
  const enc = o.section.encrypted;
  for (const { bucket, r } of picked) {
    const path = contentPath(r.sha256, enc);
    const name = `storage ${bucket}/${r.key}`;
    if (!held.has(path)) {
      problems.push(`${name}: its file ${path} is missing from ${o.files.location}`);
      continue;
    }
    try {
      const got = await hashOf(openStored((p) => o.files.read(p), path, enc, o.identities));
      bytes += got.bytes;
      if (got.sha256 !== r.sha256 || got.bytes !== r.size)
        problems.push(
          `${name}: stored file has sha256 ${got.sha256} (${got.bytes} bytes), the listing says ${r.sha256} (${r.size} bytes)`,
        );
    } catch (e) {
      problems.push(`${name}: ${messageOf(e)}`);
    }
  }
  return { objects: all.length + unopened, checked: picked.length, bytes, unopened, problems };
}
