import type { ArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry, Manifest } from "@tablesnap/core";
import { formatBytes } from "@tablesnap/core";
import { runBackup, type StorageObjectRow } from "@tablesnap/dump";
import type { PublishResult } from "@tablesnap/publish";
import type { BackupArgs } from "../args.ts";
import type { Output } from "../output.ts";
import { backupFiles, type StorageOutcome } from "./storage-step.ts";

export interface BackupOutcome {
  readonly manifest: Manifest;
  readonly publish: PublishResult;
  /** What reading Storage's files did (`--storage-endpoint`). */
  readonly storage?: StorageOutcome | undefined;
}

/** A finished dump: its manifest, and what reading Storage did when asked. */
export interface Dumped {
  readonly manifest: Manifest;
  readonly storage?: StorageOutcome | undefined;
}

/** Runs a function while Ctrl-C and SIGTERM wait for it (the branch moves in there). */
export type Critical = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Dumps the database into `store`, then (`--storage-endpoint`) Storage's files; `onFile` hears
 * of each file as soon as it is complete.
 */
export async function dump(
  args: BackupArgs,
  store: ArtifactStore,
  backupId: string,
  signal: AbortSignal,
  out: Output,
  onFile?: (entry: FileEntry) => void,
): Promise<Dumped> {
  let rows: StorageObjectRow[] | undefined;
  const manifest = await dumpDatabase(args, store, backupId, signal, out, onFile, (r) => {
    rows = r;
  });
  if (!args.storage) return { manifest };
  return backupFiles(
    { ...args, storage: args.storage },
    store,
    manifest,
    rows,
    signal,
    out,
    onFile,
  );
}

function dumpDatabase(
  args: BackupArgs,
  store: ArtifactStore,
  backupId: string,
  signal: AbortSignal,
  out: Output,
  onFile: ((entry: FileEntry) => void) | undefined,
  onStorageRows: (rows: StorageObjectRow[] | undefined) => void,
): Promise<Manifest> {
  const promise = runBackup({
    databaseUrl: args.databaseUrl ?? "",
    store,
    onFile,
    backupId,
    triggers: [args.trigger],
    jobs: args.jobs,
    includeSchemas: args.includeSchemas,
    excludeSchemas: args.excludeSchemas,
    customDump: args.customDump,
    rolePasswords: args.rolePasswords,
    encryption: args.encryption,
    pgBin: args.pgBin,
    maxFileBytes: args.maxFileBytes,
    signal,
    ...(args.storage ? { onStorageRows } : {}),
    onProgress: (p) =>
      out.progress(
        `tables ${p.tablesDone}/${p.tablesTotal}, ${p.rows} rows, ${formatBytes(p.bytes)}`,
      ),
  });
  return promise.finally(() => out.progressDone());
}

/** The database URL without its password, for messages. */
export function describe(url: string | undefined): string {
  try {
    const u = new URL(url ?? "");
    u.password = "";
    u.searchParams.delete("password");
    return u.toString();
  } catch {
    return "the database";
  }
}
