import type { FileEntry } from "@tablesnap/core";

/** A file being written. Nothing is visible under its path until `close()` resolves. */
export interface ArtifactWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the file and returns its size and sha256. */
  close(): Promise<FileEntry>;
  /** Drops what was written; the path stays as it was. */
  abort(): Promise<void>;
}

/**
 * Where a run's artifacts live until they are published: a folder for the CLI, a bucket prefix
 * for the services. Paths are relative and `/`-separated.
 */
export interface ArtifactStore {
  /** Human-readable location, for messages. */
  readonly location: string;
  openWriter(path: string): Promise<ArtifactWriter>;
  read(path: string): AsyncIterable<Uint8Array>;
  /** Every stored path under `prefix` (all when omitted), sorted. */
  list(prefix?: string): Promise<string[]>;
  /** Removes every path under `prefix`. */
  remove(prefix: string): Promise<void>;
  /**
   * Removes exactly these paths (absent ones are no error), without listing: an S3 server that
   * ignores `encoding-type=url` lists odd keys wrongly, so what is known is removed by name.
   */
  removeFiles(paths: readonly string[]): Promise<void>;
}
