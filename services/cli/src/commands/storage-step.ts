import { join } from "node:path";
import { type ArtifactStore, FsArtifactStore, observeClosedFiles } from "@tablesnap/artifacts";
import { type FileEntry, formatBytes, type Manifest } from "@tablesnap/core";
import type { StorageObjectRow } from "@tablesnap/dump";
import type { BackupArgs, BackupStorageArgs } from "../args.ts";
import type { Output } from "../output.ts";

/** What reading Storage's files did, for the summary. */
export interface StorageOutcome {
  readonly objects: number;
  /** Objects whose bytes were read, and their bytes. */
  readonly read: number;
  readonly readBytes: number;
  /** Files added to the file store, and their bytes. */
  readonly copied: number;
  readonly copiedBytes: number;
  /** Objects found unchanged, not read. */
  readonly unchanged: number;
  /** Objects listed but gone when read (not in the listing). */
  readonly gone: number;
}

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
    const objects = r.section.buckets.reduce((a, b) => a + b.objects, 0);
    return {
      manifest: withStorageSection(manifest, r.section),
      storage: {
        objects,
        read: r.read,
        readBytes: r.readBytes,
        copied: r.copied,
        copiedBytes: r.copiedBytes,
        unchanged: r.unchanged,
        gone: r.gone,
      },
    };
  } finally {
    out.progressDone();
  }
}
