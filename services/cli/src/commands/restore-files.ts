import { FsArtifactStore } from "@tablesnap/artifacts";
import type { StorageSection } from "@tablesnap/core";
import { connect } from "@tablesnap/dump";
import type { Identities } from "@tablesnap/encryption";
import type { BackupReader } from "@tablesnap/restore";
import type { StorageRestoreReport } from "@tablesnap/storage";
import type { Output } from "../output.ts";
import type { StorageEndpoint } from "../storage-args.ts";

/** `restore --storage`: where the files go, where they are kept, and which. */
export interface RestoreStorageArgs {
  readonly endpoint: StorageEndpoint;
  /** The file store folder the backup kept its files in (`--storage-from`). */
  readonly from: string;
  readonly buckets: readonly string[];
  readonly prefix: string;
  readonly mirror: boolean;
  /** Where files are spooled while checked (`TABLESNAP_WORK_DIR`/storage); the store may be read-only. */
  readonly workDir: string;
}

/**
 * Puts the backup's Storage files back through the target's S3 endpoint. With a target
 * database, its `storage.objects` rows are compared with the files; else the snapshot's are.
 */
export async function restoreFiles(
  section: StorageSection,
  reader: BackupReader,
  identities: Identities,
  s: RestoreStorageArgs,
  o: { databaseUrl: string | undefined; dryRun: boolean; jobs: number; signal: AbortSignal },
  out: Output,
): Promise<StorageRestoreReport> {
  const { restoreStorage } = await import("@tablesnap/storage");
  const { S3StorageSource } = await import("@tablesnap/storage/s3");
  const target = new S3StorageSource(s.endpoint);
  out.info(
    `${o.dryRun ? "planning to put" : "putting"} Storage files back into ${target.location} from ${s.from}`,
  );
  try {
    return await restoreStorage({
      section,
      read: (p) => reader.read(p),
      files: new FsArtifactStore(s.from),
      identities,
      target,
      buckets: s.buckets,
      prefix: s.prefix,
      mirror: s.mirror,
      dryRun: o.dryRun,
      rows: o.databaseUrl && !o.dryRun ? await targetRows(o.databaseUrl, o.signal) : undefined,
      workDir: s.workDir,
      jobs: Math.max(4, o.jobs * 2),
      signal: o.signal,
      onProgress: (done, total) => out.progress(`storage: ${done}/${total} objects`),
    });
  } finally {
    out.progressDone();
  }
}

/** The target database's `storage.objects` rows (none when it has no such table). */
async function targetRows(url: string, signal: AbortSignal) {
  const { sql } = await connect(url, 1, signal);
  try {
    const [t] = await sql<
      { ok: boolean }[]
    >`SELECT to_regclass('storage.objects') IS NOT NULL AS ok`;
    if (!t?.ok) return [];
    return await sql<{ id: string; bucket_id: string; name: string }[]>`
      SELECT id::text AS id, bucket_id, name FROM storage.objects WHERE name IS NOT NULL`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
