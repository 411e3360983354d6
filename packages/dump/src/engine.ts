import { observeClosedFiles } from "@tablesnap/artifacts";
import {
  type Manifest,
  plainBytes,
  schemaFolder,
  TABLES_PER_FOLDER,
  tableFolder,
} from "@tablesnap/core";
import type { TableInfo } from "./catalog.ts";
import type { Sql, Target } from "./connect.ts";
import type { TableCopier, TableOutcome, TableTask } from "./copier.ts";
import { DEFAULT_MAX_FILE_BYTES } from "./defaults.ts";
import { planEncryption } from "./encryption-plan.ts";
import { TablesFailedError } from "./errors.ts";
import { type Job, type JobContext, planJobs, type RunResults, tableTasks } from "./jobs.ts";
import { buildManifest } from "./manifest-build.ts";
import { findPgTools } from "./pgtools.ts";
import { runPool } from "./pool.ts";
import { inSnapshot, type SnapshotInfo } from "./snapshot.ts";
import { readStorageRows } from "./storage-rows.ts";
import type { BackupOptions, BackupProgress } from "./types.ts";

/** A run whose snapshot is open: everything the engine needs to take it to its manifest. */
export interface EngineRun {
  readonly o: BackupOptions;
  /** At least `o.jobs` connections; the snapshot is imported on each. */
  readonly sql: Sql;
  readonly target: Target;
  readonly snapshot: SnapshotInfo;
  readonly copier: TableCopier;
}

/**
 * Takes one run from plan to manifest inside its open snapshot: dumps the schema, roles,
 * archives and free sequences itself, has `copier` copy every table, and builds the manifest
 * from what comes back. A table that failed fails the run, naming every such table.
 */
export async function runEngine(r: EngineRun): Promise<Manifest> {
  const timing = { started: Date.now(), createdAt: new Date().toISOString() };
  const { o, snapshot: s } = r;
  const c = await jobContext(o, r.sql, r.target, s);
  const results = emptyResults(s);
  const own = planJobs(c, results);
  const tasks = tableTasks(c);
  const partitioned = c.tables.filter((t) => t.kind === "partitioned");
  for (const t of partitioned) results.data.set(t.oid, { rows: 0, files: [] });
  const progress: BackupProgress = {
    ...{ tablesDone: partitioned.length, tablesTotal: c.tables.length, rows: 0, bytes: 0 },
  };
  const failed: string[] = [];
  const copy = async (t: TableTask, signal: AbortSignal) => {
    const out = sealed(t, await r.copier.copy(t, s.id, signal));
    record(results, failed, t.table, out);
    progress.tablesDone++;
    if (out.status === "done") {
      progress.rows += out.rows;
      progress.bytes += out.files.reduce((a, f) => a + plainBytes(f), 0);
    }
    o.onProgress?.({ ...progress });
  };
  await runAll(own, tasks, copy, r.copier.local, o);
  if (failed.length > 0) {
    throw new TablesFailedError(failed);
  }
  if (o.onStorageRows) o.onStorageRows(await inSnapshot(r.sql, s.id, readStorageRows));
  return buildManifest(o, s, c.tables, c.tableFolder, results, timing);
}

/**
 * A copy asked to encrypt must come back encrypted to exactly its recipients: a worker of an
 * older version ignores `recipients` and would write plain text, which must never be published.
 */
function sealed(t: TableTask, out: TableOutcome): TableOutcome {
  if (!t.recipients || out.status !== "done") return out;
  const want = t.recipients.join(" ");
  const plain = out.files.filter((f) => !f.plain || (f.recipients ?? []).join(" ") !== want);
  if (plain.length === 0) return out;
  return {
    status: "failed",
    reason: `its copy came back not encrypted to its recipients (${plain.map((f) => f.path).join(", ")}): is a dump worker of an older version running?`,
  };
}

function record(results: RunResults, failed: string[], t: TableInfo, out: TableOutcome): void {
  if (out.status === "done") results.data.set(t.oid, { rows: out.rows, files: out.files });
  else if (out.status === "skipped") {
    results.skipped.push({ object: `table ${t.qname}`, reason: out.reason });
  } else failed.push(`${t.qname}: ${out.reason}`);
}

/**
 * Runs the run's own jobs and the table copies. A local copier shares the pool (largest first);
 * a remote one gets every table at once. The first failure stops the rest and is rethrown once
 * everything started has settled.
 */
async function runAll(
  own: readonly Job[],
  tasks: readonly TableTask[],
  copy: (t: TableTask, signal: AbortSignal) => Promise<void>,
  local: boolean,
  o: BackupOptions,
): Promise<void> {
  const stop = new AbortController();
  const abort = () => stop.abort(o.signal.reason);
  o.signal.addEventListener("abort", abort, { once: true });
  if (o.signal.aborted) abort();
  try {
    if (local) {
      const copies = tasks.map((t) => ({
        weight: t.table.bytesEstimate,
        run: () => copy(t, stop.signal),
      }));
      const all = [...own, ...copies].sort((a, b) => b.weight - a.weight);
      await runPool(
        all.map((j) => j.run),
        o.jobs,
        stop.signal,
      );
      return;
    }
    let first: { error: unknown } | undefined;
    const guard = (p: Promise<void>) =>
      p.catch((error: unknown) => {
        first ??= { error };
        stop.abort(error);
      });
    const ownRuns = own.map((j) => j.run);
    await Promise.all([
      guard(runPool(ownRuns, o.jobs, stop.signal)),
      ...tasks.map((t) => guard(copy(t, stop.signal))),
    ]);
    if (first) throw first.error;
  } finally {
    o.signal.removeEventListener("abort", abort);
  }
}

async function jobContext(o: BackupOptions, sql: Sql, target: Target, s: SnapshotInfo) {
  const filter = { include: o.includeSchemas, exclude: o.excludeSchemas };
  const tools = await findPgTools(o.pgBin, s.serverVersionNum);
  const unreadable = new Set(s.unreadable.map((u) => u.table.oid));
  const schemaFolders = new Map(s.schemas.map((n) => [n, schemaFolder(n)]));
  const tables = s.tables.filter((t) => !unreadable.has(t.oid));
  const perSchema = new Map<string, number>();
  for (const t of tables) perSchema.set(t.schema, (perSchema.get(t.schema) ?? 0) + 1);
  const folderOf = (t: TableInfo) =>
    tableFolder(t.schema, t.name, (perSchema.get(t.schema) ?? 0) > TABLES_PER_FOLDER);
  const folders = { table: folderOf, schema: schemaFolders };
  const parents = o.encryption ? await inheritanceParents(sql) : undefined;
  const encryption = planEncryption(o.encryption, o.store, tables, folders, parents);
  const store = encryption?.ownStore ?? o.store;
  const c: JobContext = {
    o: { ...o, store: o.onFile ? observeClosedFiles(store, o.onFile) : store },
    sql,
    tool: { tools, target, snapshot: s, signal: o.signal, filter },
    tables,
    schemaFolders,
    tableFolder: folderOf,
    maxBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    encryption,
  };
  return c;
}

/** Each partition's and inheritance child's parents, by OID (the catalog, read once). */
async function inheritanceParents(sql: Sql): Promise<Map<number, number[]>> {
  const rows = await sql<{ child: number; parent: number }[]>`
    SELECT inhrelid::int8 AS child, inhparent::int8 AS parent FROM pg_catalog.pg_inherits`;
  const out = new Map<number, number[]>();
  for (const r of rows)
    out.set(Number(r.child), [...(out.get(Number(r.child)) ?? []), Number(r.parent)]);
  return out;
}

function emptyResults(s: SnapshotInfo): RunResults {
  return {
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
}
