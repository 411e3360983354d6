/**
 * A run's objects in the bucket: artifacts only, all under `runs/<run id>/` (removed once
 * published). `runs/<run>/<snapshot>/` is the backup folder of one attempt (its files and
 * `manifest.json`), with the same paths, and so the same reversible folder names, as the backup
 * tree. Each attempt (a holder that died is replaced by one with a new snapshot) writes its own
 * folder, so a table copy of a dead attempt still running cannot overwrite a newer file. What a
 * run and each table have done is in the state database, never in the bucket.
 */
export function runPrefix(runId: string): string {
  return `runs/${runId}/`;
}

export function filesPrefix(runId: string, snapshotId: string): string {
  return `runs/${runId}/${snapshotId}/`;
}

export { MANIFEST_FILE } from "@tablesnap/core";
