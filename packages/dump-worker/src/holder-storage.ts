import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArtifactStore } from "@tablesnap/artifacts";
import type { StorageSettings, TargetConfig } from "@tablesnap/config";
import type { Manifest } from "@tablesnap/core";
import type { StorageObjectRow } from "@tablesnap/dump";
import { WorkerError } from "@tablesnap/runs";
import type { HolderDeps } from "./holder.ts";

/** Objects read from Storage at once by one holder. */
const STORAGE_JOBS = 4;

/**
 * Reads the target's Storage after the snapshot (config `storage`): new and changed files go
 * into the artifacts bucket under the target's prefix, once each by sha256; each bucket's
 * listing goes with the run's files, and the manifest gains its `storage` section.
 */
export async function readStorageFiles(
  d: HolderDeps,
  target: TargetConfig & { storage: StorageSettings },
  files: ArtifactStore,
  manifest: Manifest,
  rows: StorageObjectRow[] | undefined,
  deadline: Date | null,
): Promise<Manifest> {
  const s = target.storage;
  if (!s.keys)
    throw new WorkerError(
      "storage_keys_missing",
      `target ${target.name} reads Storage, but ${s.accessKeyEnv} and ${s.secretKeyEnv} are not set in this dump worker's environment`,
    );
  const { backupStorage, storageRecipients, withStorageSection } = await import(
    "@tablesnap/storage"
  );
  const { S3StorageSource } = await import("@tablesnap/storage/s3");
  const bound = untilDeadline(d.signal, deadline);
  const r = await backupStorage({
    source: new S3StorageSource({ endpoint: s.endpoint, region: s.region, ...s.keys }),
    files: d.bucket.forPrefix(s.prefix),
    backup: files,
    buckets: s.buckets,
    snapshotTime: manifest.snapshot.time,
    rows,
    recipients: storageRecipients(target.encryption),
    workDir: join(tmpdir(), "tablesnap-storage"),
    jobs: STORAGE_JOBS,
    signal: bound.signal,
  }).finally(bound.done);
  d.logger?.info(
    { target: target.name, read: r.read, copied: r.copied, unchanged: r.unchanged },
    "storage files read",
  );
  return withStorageSection(manifest, r.section);
}

/** Aborts when the worker stops, or when the run passes its deadline (its `time_limit`). */
function untilDeadline(stop: AbortSignal, deadline: Date | null) {
  const c = new AbortController();
  const onStop = () => c.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener("abort", onStop, { once: true });
  const timer =
    deadline === null
      ? undefined
      : setTimeout(
          () => c.abort(new Error(`the run passed its time limit at ${deadline.toISOString()}`)),
          Math.max(0, deadline.getTime() - Date.now()),
        );
  return {
    signal: c.signal,
    done: () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
    },
  };
}
