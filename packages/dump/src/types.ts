import type { ArtifactStore } from "@tablesnap/artifacts";
import type { Trigger } from "@tablesnap/core";

export interface BackupOptions {
  readonly databaseUrl: string;
  /** Where the backup folder's files go (its root is the backup folder). */
  readonly store: ArtifactStore;
  readonly backupId: string;
  readonly triggers: readonly Trigger[];
  /** Tables copied at once (each on its own connection). */
  readonly jobs: number;
  readonly includeSchemas: readonly string[];
  readonly excludeSchemas: readonly string[];
  /** Also write `<schema>/<schema>.dump` (pg_dump custom format) per schema. */
  readonly customDump: boolean;
  /** Folder holding pg_dump and pg_dumpall; PATH when not given. */
  readonly pgBin?: string | undefined;
  /**
   * Write role password hashes into `roles.sql`. Off by default: a backup repository is no place
   * for SCRAM hashes (`pg_dumpall --no-role-passwords`). Where `pg_authid` is not readable the
   * roles are dumped without them anyway, and the manifest says so.
   */
  readonly rolePasswords?: boolean | undefined;
  /** Split files above this size (default 32 MiB). */
  readonly maxFileBytes?: number | undefined;
  /** A table copy that receives no rows for this long fails, naming the table (default 5 min). */
  readonly tableStallMs?: number | undefined;
  readonly signal: AbortSignal;
  readonly onProgress?: ((p: BackupProgress) => void) | undefined;
}

export interface BackupProgress {
  tablesDone: number;
  tablesTotal: number;
  rows: number;
  bytes: number;
}
