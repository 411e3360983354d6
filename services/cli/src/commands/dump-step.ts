import type { ArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry, Manifest } from "@tablesnap/core";
import { formatBytes } from "@tablesnap/core";
import { runBackup } from "@tablesnap/dump";
import type { PublishResult } from "@tablesnap/publish";
import type { BackupArgs } from "../args.ts";
import type { Output } from "../output.ts";

export interface BackupOutcome {
  readonly manifest: Manifest;
  readonly publish: PublishResult;
}

/** Runs a function while Ctrl-C and SIGTERM wait for it (the branch moves in there). */
export type Critical = <T>(fn: () => Promise<T>) => Promise<T>;

/** Dumps the database into `store`; `onFile` hears of each file as soon as it is complete. */
export function dump(
  args: BackupArgs,
  store: ArtifactStore,
  backupId: string,
  signal: AbortSignal,
  out: Output,
  onFile?: (entry: FileEntry) => void,
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
