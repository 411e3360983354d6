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
}
