import type { ArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry } from "@tablesnap/core";
import type { TableInfo } from "./catalog.ts";
import type { Sql } from "./connect.ts";
import { dumpTableData } from "./table-data.ts";

/** One table to copy, as the engine planned it; plain data, so it travels in a job message. */
export interface TableTask {
  readonly table: TableInfo;
  /** Its folder in the backup, e.g. `public/tables/users`. */
  readonly folder: string;
  /** The `setval` lines of the sequences it owns, read in the snapshot. */
  readonly trailer: string;
  /** Data files are split past this size. */
  readonly maxBytes: number;
  /** age recipients its data files are encrypted to; absent, they are stored as they are. */
  readonly recipients?: readonly string[] | undefined;
}

/** How one table's copy ended. A `failed` table fails the run; a `skipped` one makes it partial. */
export type TableOutcome =
  | { readonly status: "done"; readonly rows: number; readonly files: readonly FileEntry[] }
  | { readonly status: "skipped" | "failed"; readonly reason: string };

/**
 * The port through which the run engine copies tables inside its snapshot. The CLI copies them
 * in its own process (`localCopier`); the services hand each to a dump worker over JetStream.
 */
export interface TableCopier {
  /**
   * A local copier works on the engine's own connections, so its copies share the engine's pool
   * of `jobs`; a remote one only waits for other workers, and every table is handed out at once.
   */
  readonly local: boolean;
  /** Copies one table inside `snapshotId`; rejects only when the run cannot go on. */
  copy(task: TableTask, snapshotId: string, signal: AbortSignal): Promise<TableOutcome>;
}

/** SQLSTATE 42501: the server refuses to let us read the table (privileges, row security). */
export function isRefused(e: unknown): e is Error {
  return (
    e instanceof Error && e.name === "PostgresError" && (e as { code?: unknown }).code === "42501"
  );
}

export interface LocalCopierOptions {
  readonly sql: Sql;
  readonly store: ArtifactStore;
  /** A copy that moves no rows for this long fails (default 5 min). */
  readonly stallMs?: number | undefined;
  readonly onFile?: ((entry: FileEntry) => void) | undefined;
  /** Key ranges of one big table copied at once (`sql` needs as many connections). */
  readonly parallel?: number | undefined;
}

/**
 * Copies in this process on `sql`. A table the server refuses to let us read is skipped with the
 * server's words; any other error fails the run at once.
 */
export function localCopier(o: LocalCopierOptions): TableCopier {
  return {
    local: true,
    async copy(task, snapshotId, signal) {
      try {
        const r = await dumpTableData({ ...o, snapshotId, signal, ...task });
        return { status: "done", rows: r.rows, files: r.files };
      } catch (e) {
        if (!isRefused(e)) throw e;
        return { status: "skipped", reason: e.message };
      }
    },
  };
}
