import type { Manifest } from "@tablesnap/core";
import { toFolderName } from "@tablesnap/core";
import type { TableInfo } from "./catalog.ts";
import { connect, type Sql, type Target } from "./connect.ts";
/** Parts stay below GitHub's blob limit (the API refuses blobs of about 40 MiB). */
import { DEFAULT_MAX_FILE_BYTES } from "./defaults.ts";
import { type Job, type JobContext, planJobs, type RunResults } from "./jobs.ts";
import { buildManifest } from "./manifest-build.ts";
import { findPgTools } from "./pgtools.ts";
import { runPool } from "./pool.ts";
import { openSnapshot, type SnapshotInfo } from "./snapshot.ts";
import type { BackupOptions } from "./types.ts";

export { DEFAULT_MAX_FILE_BYTES };

/**
 * Backs up one whole database at one point in time into `store`: per-table schema.sql and
 * data.sql, per-schema schema.sql (and a pg_dump custom archive), database.sql and roles.sql.
 * Returns the manifest; `status` is `partial` when some table or sequence could not be read.
 */
export async function runBackup(o: BackupOptions): Promise<Manifest> {
  const started = Date.now();
  const createdAt = new Date().toISOString();
  const filter = { include: o.includeSchemas, exclude: o.excludeSchemas };
  const { sql, target } = await connect(o.databaseUrl, o.jobs + 1, o.signal);
  try {
    const snap = await openSnapshot(sql, filter);
    try {
      const p = await planRun(o, sql, target, snap.info);
      await runPool(
        p.jobs.map((j) => j.run),
        o.jobs,
        o.signal,
      );
      return buildManifest(o, snap.info, p.tables, p.tableFolder, p.results, {
        createdAt,
        started,
      });
    } finally {
      await snap.close().catch(() => {});
    }
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}

/** A run planned inside its open snapshot: its jobs, and where their results go. */
export interface PlannedRun {
  /** The tables to back up (the unreadable ones left out). */
  readonly tables: readonly TableInfo[];
  readonly tableFolder: (t: TableInfo) => string;
  readonly results: RunResults;
  /** Largest first; table COPY jobs carry their `table`. */
  readonly jobs: readonly Job[];
}

/**
 * Plans every job of a run inside the open snapshot `s` (runBackup runs them all in one
 * process; the services run the table jobs on other workers and fill `results.data` in).
 */
export async function planRun(
  o: BackupOptions,
  sql: Sql,
  target: Target,
  s: SnapshotInfo,
): Promise<PlannedRun> {
  const filter = { include: o.includeSchemas, exclude: o.excludeSchemas };
  const tools = await findPgTools(o.pgBin, s.serverVersionNum);
  const unreadable = new Set(s.unreadable.map((u) => u.table.oid));
  const tables = s.tables.filter((t) => !unreadable.has(t.oid));
  const schemaFolders = new Map(s.schemas.map((n) => [n, toFolderName(n)]));
  const tableFolder = (t: TableInfo) =>
    `${schemaFolders.get(t.schema)}/tables/${toFolderName(t.name)}`;
  const results: RunResults = {
    data: new Map(),
    archives: new Map(),
    sequencesFiles: new Map(),
    skipped: [
      ...s.unreadable.map((u) => ({ object: `table ${u.table.qname}`, reason: u.reason })),
      ...s.unreadableSequences.map((u) => ({
        object: `sequence ${u.sequence.qname}`,
        reason: u.reason,
      })),
    ],
  };
  const context: JobContext = {
    o,
    sql,
    tool: { tools, target, snapshot: s, signal: o.signal, filter },
    tables,
    schemaFolders,
    tableFolder,
    maxBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    progress: { tablesDone: 0, tablesTotal: tables.length, rows: 0, bytes: 0 },
  };
  return { tables, tableFolder, results, jobs: planJobs(context, results) };
}
