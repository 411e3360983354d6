import { writeText } from "@tablesnap/artifacts";
import { type FileEntry, ROLES_FILE, sequencesFile, toFolderName } from "@tablesnap/core";
import { type SequenceInfo, setvalStatement, type TableInfo } from "./catalog.ts";
import type { Sql } from "./connect.ts";
import type { TableTask } from "./copier.ts";
import type { EncryptionPlan } from "./encryption-plan.ts";
import { dumpRoles, dumpSchemaArchive, dumpSchemaOnly, type ToolContext } from "./pg-dump-jobs.ts";
import { type SchemaFilesResult, writeSchemaFiles } from "./schema/files.ts";
import { inSnapshot } from "./snapshot.ts";
import type { BackupOptions } from "./types.ts";

/** What the jobs of one run produce, filled in as they finish (the engine's own record). */
export interface RunResults {
  readonly data: Map<number, { rows: number; files: readonly FileEntry[] }>;
  readonly archives: Map<string, FileEntry[]>;
  readonly skipped: { object: string; reason: string }[];
  schemaFiles?: SchemaFilesResult;
  roles?: { file: FileEntry; passwords: boolean };
  sequencesFiles: Map<string, FileEntry>;
}

export interface JobContext {
  readonly o: BackupOptions;
  readonly sql: Sql;
  readonly tool: ToolContext;
  /** Tables to back up (the unreadable ones already left out). */
  readonly tables: readonly TableInfo[];
  readonly schemaFolders: ReadonlyMap<string, string>;
  readonly tableFolder: (t: TableInfo) => string;
  readonly maxBytes: number;
  /** Which files are encrypted; null when nothing is. */
  readonly encryption: EncryptionPlan | null;
}

export interface Job {
  /** Estimated bytes of work: jobs run largest first, so the longest never starts last. */
  readonly weight: number;
  readonly run: () => Promise<void>;
}

const MiB = 1024 * 1024;

/** The run's own jobs (the schema dump, roles, per-schema archives), largest first. */
export function planJobs(c: JobContext, results: RunResults): Job[] {
  const { o, tool } = c;
  const s = tool.snapshot;
  // Each pg_dump locks every table it dumps: when the snapshot could not lock them all (the
  // server's lock table is small for this many tables), only one pg_dump may hold them at once.
  const lockingAll = s.tablesLocked ? <T>(fn: () => Promise<T>) => fn() : oneAtATime();
  const jobs: Job[] = [
    {
      // pg_dump reads the catalog per table: about 0.1 ms each, plus its start-up.
      weight: 16 * MiB + c.tables.length * 64 * 1024,
      run: async () => {
        const parsed = await lockingAll(() => dumpSchemaOnly(tool));
        const folders = {
          tableFolders: new Map(c.tables.map((t) => [t.oid, c.tableFolder(t)])),
          schemaFolders: c.schemaFolders,
        };
        results.schemaFiles = await inSnapshot(c.sql, s.id, (tx) =>
          writeSchemaFiles(tx, parsed, folders, o.store),
        );
      },
    },
    {
      weight: 8 * MiB,
      run: async () => {
        const r = await dumpRoles(tool, o.rolePasswords === true);
        results.roles = {
          file: await writeText(o.store, ROLES_FILE, r.text),
          passwords: r.passwords,
        };
        results.sequencesFiles = await writeFreeSequences(c, s.sequences);
      },
    },
  ];
  if (o.customDump) {
    for (const name of s.schemas) {
      const folder = c.schemaFolders.get(name) ?? toFolderName(name);
      jobs.push({
        weight: c.tables.filter((t) => t.schema === name).reduce((a, t) => a + t.bytesEstimate, 0),
        run: async () => {
          results.archives.set(
            name,
            await lockingAll(() => dumpSchemaArchive(tool, name, folder, o.store, c.maxBytes)),
          );
        },
      });
    }
  }
  return jobs.sort((a, b) => b.weight - a.weight);
}

/** Runs the functions given to it one after the other. */
function oneAtATime(): <T>(fn: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = last.then(fn);
    last = run.catch(() => {});
    return run;
  };
}

/** One copy per table with rows of its own (a partitioned table's rows are its partitions'). */
export function tableTasks(c: JobContext): TableTask[] {
  const owned = ownedSetvals(c.tool.snapshot.sequences);
  return c.tables
    .filter((t) => t.kind !== "partitioned")
    .map((t) => ({
      table: t,
      folder: c.tableFolder(t),
      trailer: owned.get(t.oid) ?? "",
      maxBytes: c.maxBytes,
      ...(c.encryption?.tables.has(t.oid) ? { recipients: c.encryption.recipients } : {}),
    }))
    .sort((a, b) => b.table.bytesEstimate - a.table.bytesEstimate);
}

/** The `setval` lines each table's data file ends with (its owned sequences), by table OID. */
export function ownedSetvals(sequences: readonly SequenceInfo[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const q of sequences) {
    const stmt = setvalStatement(q);
    if (stmt && q.ownerOid !== null) out.set(q.ownerOid, (out.get(q.ownerOid) ?? "") + stmt);
  }
  return out;
}

/** `<schema>/sequences.sql`: values of the sequences no backed-up table owns. */
async function writeFreeSequences(
  c: JobContext,
  sequences: readonly SequenceInfo[],
): Promise<Map<string, FileEntry>> {
  // Sequences whose owner has a data file go there; the rest (free ones, and those of
  // partitioned tables, which have no data file) go to sequences.sql.
  const owned = new Set(c.tables.filter((t) => t.kind !== "partitioned").map((t) => t.oid));
  const bySchema = new Map<string, string>();
  for (const q of sequences) {
    if (q.ownerOid !== null && owned.has(q.ownerOid)) continue;
    const stmt = setvalStatement(q);
    if (stmt) bySchema.set(q.schema, (bySchema.get(q.schema) ?? "") + stmt);
  }
  const out = new Map<string, FileEntry>();
  for (const [schema, text] of bySchema) {
    const folder = c.schemaFolders.get(schema);
    if (folder) out.set(schema, await writeText(c.o.store, sequencesFile(folder), text));
  }
  return out;
}
