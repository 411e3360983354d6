import type { ArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry, Trigger } from "@tablesnap/core";
import type { EncryptionSettings } from "@tablesnap/encryption";
import type { StorageObjectRow } from "./storage-rows.ts";

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
  /**
   * Encrypt the data of the tables it names (and `roles.sql`, and the archive of every schema
   * holding one of them) to its age recipients. Absent, nothing is encrypted.
   */
  readonly encryption?: EncryptionSettings | undefined;
  /** A table copy that receives no rows for this long fails, naming the table (default 5 min). */
  readonly tableStallMs?: number | undefined;
  readonly signal: AbortSignal;
  /**
   * Hears of each file as soon as it is complete, with its final entry (an encrypted one's
   * included): lets a consumer (a git blob writer) start on it while the run goes on.
   */
  readonly onFile?: ((entry: FileEntry) => void) | undefined;
  readonly onProgress?: ((p: BackupProgress) => void) | undefined;
  /**
   * Hears Supabase Storage's `storage.objects` rows as the snapshot holds them (undefined when
   * there is no such table); read only when this is given.
   */
  readonly onStorageRows?: ((rows: StorageObjectRow[] | undefined) => void) | undefined;
}

export interface BackupProgress {
  tablesDone: number;
  tablesTotal: number;
  rows: number;
  bytes: number;
}
