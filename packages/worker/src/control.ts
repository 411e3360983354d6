import { ArtifactNotFoundError, type ArtifactStore } from "@tablesnap/artifacts";
import { type FileEntry, toFolderName } from "@tablesnap/core";
import type { TableInfo } from "@tablesnap/dump";
import type { ArtifactBucket } from "./types.ts";

/**
 * A run's objects in the bucket, all under `runs/<run id>/` (removed once published):
 * - `runs/<run>/<snapshot>/`: the backup folder of one attempt (files and `manifest.json`).
 *   Each attempt (a holder that died is replaced by one with a new snapshot) writes its own
 *   folder, so a table copy of a dead attempt still running cannot overwrite a newer file.
 * - `runs/<run>/control/<snapshot>/plan.json`: what the table workers need to copy each table.
 * - `runs/<run>/control/<snapshot>/tables/<schema>.<table>.json`: each table's result, written
 *   by the worker that copied it before it marks the table finished in the state database; the
 *   holder reads it by key (never by listing) and builds the manifest from these.
 */
export function runPrefix(runId: string): string {
  return `runs/${runId}/`;
}

export function filesPrefix(runId: string, snapshotId: string): string {
  return `runs/${runId}/${snapshotId}/`;
}

export function controlPrefix(runId: string, snapshotId: string): string {
  return `runs/${runId}/control/${snapshotId}/`;
}

export const MANIFEST_FILE = "manifest.json";
export const PLAN_FILE = "plan.json";

/** One table as the holder planned it. */
export interface PlannedTable {
  readonly info: TableInfo;
  /** Folder in the backup, e.g. `public/tables/users`. */
  readonly folder: string;
  /** The `setval` lines of its owned sequences, read in the snapshot. */
  readonly trailer: string;
}

export interface RunPlan {
  readonly snapshotId: string;
  readonly maxBytes: number;
  readonly tables: readonly PlannedTable[];
}

export type TableResult =
  | { readonly status: "done"; readonly rows: number; readonly files: FileEntry[] }
  | { readonly status: "skipped" | "failed"; readonly reason: string };

/** `<schema>.<table>`: folder names never hold a dot, so the key is unique and reversible. */
export function tableKey(t: { schema: string; name: string }): string {
  return `${toFolderName(t.schema)}.${toFolderName(t.name)}`;
}

export function resultPath(t: { schema: string; name: string }): string {
  return `tables/${tableKey(t)}.json`;
}

/** The stores of one attempt of a run. */
export function attemptStores(bucket: ArtifactBucket, runId: string, snapshotId: string) {
  return {
    files: bucket.forPrefix(filesPrefix(runId, snapshotId)),
    control: bucket.forPrefix(controlPrefix(runId, snapshotId)),
  };
}

export async function writeText(store: ArtifactStore, path: string, text: string) {
  const w = await store.openWriter(path);
  try {
    await w.write(new TextEncoder().encode(text));
    return await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

export async function readText(store: ArtifactStore, path: string): Promise<string | null> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const c of store.read(path)) chunks.push(c);
  } catch (e) {
    if (e instanceof ArtifactNotFoundError) return null;
    throw e;
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function readJson<T>(store: ArtifactStore, path: string): Promise<T | null> {
  const text = await readText(store, path);
  return text === null ? null : (JSON.parse(text) as T);
}

export function writeJson(store: ArtifactStore, path: string, value: unknown) {
  return writeText(store, path, `${JSON.stringify(value)}\n`);
}
