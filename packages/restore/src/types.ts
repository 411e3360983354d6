import type { Identities } from "@tablesnap/encryption";

/** Where a backup's files are read from: a folder, a commit, a bucket (an ArtifactStore is one). */
export interface BackupReader {
  readonly location: string;
  /** Every file, `/`-separated paths relative to the backup folder, sorted. */
  list(): Promise<string[]>;
  read(path: string): AsyncIterable<Uint8Array>;
}

export type ProblemKind = "manifest" | "missing" | "unexpected" | "size" | "checksum" | "table";

/** One thing that does not hold; `path` is relative to the backup folder. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly path: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly backupId: string | null;
  readonly files: number;
  readonly bytes: number;
  readonly problems: readonly Problem[];
  /** Encrypted files checked as stored only: no identity given could open them. */
  readonly unopened: number;
}

export interface RestoreOptions {
  readonly reader: BackupReader;
  /** Keys for the backup's encrypted files (none: a backup with some can still restore others). */
  readonly identities?: Identities | undefined;
  readonly databaseUrl: string;
  /** Whole schemas; with `tables` empty too, the whole database. */
  readonly schemas: readonly string[];
  /** `schema.table` names. */
  readonly tables: readonly string[];
  /** Connections loading data at once in a whole restore; 1 keeps it one transaction. */
  readonly jobs: number;
  /**
   * A partial restore also creates the types, domains, sequences, functions and schema that what
   * it restores needs and the target lacks (default true); false restores exactly what was named.
   */
  readonly dependencies?: boolean | undefined;
  /** Apply `roles.sql` (roles the target lacks only). */
  readonly roles: boolean;
  /** Supabase handling: forced on or off, or detected from the target. */
  readonly supabase: boolean | "auto";
  /** Plan only: read and check everything, write nothing. */
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  readonly onProgress?: ((p: RestoreProgress) => void) | undefined;
}

export interface RestoreProgress {
  tablesDone: number;
  tablesTotal: number;
  rows: number;
  bytes: number;
  phase: "checking" | "pre-data" | "data" | "post-data" | "done";
}

export interface RestoredTable {
  readonly schema: string;
  readonly name: string;
  readonly mode: "create" | "replace" | "append" | "skip";
  readonly rows: number;
  readonly bytes: number;
  readonly reason?: string;
}

export interface RestoreReport {
  readonly backupId: string;
  readonly target: string;
  readonly dryRun: boolean;
  readonly whole: boolean;
  readonly supabase: boolean;
  readonly jobs: number;
  /** Transactions that committed (1 for a one-transaction restore). */
  readonly transactions: number;
  readonly entries: {
    readonly preData: number;
    readonly postData: number;
    readonly platform: number;
  };
  /** Objects the target already had (or that only the platform may make), left as they are. */
  readonly left: readonly { readonly object: string; readonly reason: string }[];
  /** The application's objects restored inside the schemas a Supabase project comes with. */
  readonly inPlatformSchemas: readonly string[];
  /** Objects a partial restore brought along because what it restored needs them. */
  readonly dependencies: readonly string[];
  readonly tables: readonly RestoredTable[];
  readonly roles: {
    readonly created: readonly string[];
    readonly existing: readonly string[];
    readonly reserved: readonly string[];
    /** Roles created that can log in but have no password yet: set one (ALTER ROLE … PASSWORD). */
    readonly withoutPassword: readonly string[];
  } | null;
  readonly refreshed: readonly string[];
  /** Every step in the order it runs (or, on a dry run, would run). */
  readonly order: readonly string[];
  /** Objects that could not be restored and why (Supabase's vault, …). */
  readonly notRestored: readonly { object: string; reason: string }[];
  readonly durationMs: number;
}
