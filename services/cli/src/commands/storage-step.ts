import { join } from "node:path";
import { type ArtifactStore, FsArtifactStore, observeClosedFiles } from "@tablesnap/artifacts";
import { type FileEntry, formatBytes, type Manifest } from "@tablesnap/core";
import type { StorageObjectRow } from "@tablesnap/dump";
import type { StorageBackupResult } from "@tablesnap/storage";
import type { BackupArgs, BackupStorageArgs } from "../args.ts";
import type { Output } from "../output.ts";

/** What reading Storage's files did, for the summary: the backup's counts and the objects. */
export type StorageOutcome = Omit<StorageBackupResult, "section"> & { readonly objects: number };

/**
 * Reads the project's Storage after the database snapshot: new and changed files go into the
 * file store by sha256, each bucket's listing into the backup (`onFile` hears of it), and the
 * manifest gains its `storage` section.
 */
export async function backupFiles(
  args: BackupArgs & { storage: BackupStorageArgs },
  backup: ArtifactStore,
  manifest: Manifest,
  rows: StorageObjectRow[] | undefined,
  signal: AbortSignal,
  out: Output,
  onFile?: (entry: FileEntry) => void,
): Promise<{ manifest: Manifest; storage: StorageOutcome }> {
  const { backupStorage, storageRecipients, withStorageSection } = await import(
    "@tablesnap/storage"
  );
  const { S3StorageSource } = await import("@tablesnap/storage/s3");
  const s = args.storage;
  const source = new S3StorageSource(s.endpoint);
  const files = new FsArtifactStore(s.to);
  out.info(`reading Storage at ${source.location} into ${s.to}`);
  try {
    const r = await backupStorage({
      source,
      files,
      backup: onFile ? observeClosedFiles(backup, onFile) : backup,
      buckets: s.buckets,
      snapshotTime: manifest.snapshot.time,
      rows,
      recipients: storageRecipients(args.encryption),
      // Spooled outside the store: a crash leaves no plaintext copy beside encrypted files.
      workDir: join(args.workDir, "storage"),
      jobs: Math.max(4, args.jobs * 2),
      signal,
      onProgress: (p) =>
        out.progress(
          `storage: ${p.objects} objects, ${p.copied} new files, ${formatBytes(p.copiedBytes)}`,
        ),
    });
    const { section, ...counts } = r;
    const objects = section.buckets.reduce((a, b) => a + b.objects, 0);
    return {
      manifest: withStorageSection(manifest, section),
      storage: { objects, ...counts },
    };
  } finally {
    out.progressDone();
  }
}
