import type { ArtifactStore } from "@tablesnap/artifacts";
import {
  type FileEntry,
  MANIFEST_FORMAT,
  type Manifest,
  type TableEntry,
  TOOL_VERSION,
  type Trigger,
  toFolderName,
} from "@tablesnap/core";
import { type SequenceInfo, setvalStatement, type TableInfo } from "./catalog.ts";
import { connect } from "./connect.ts";
import { dumpRoles, dumpSchemaArchive, dumpSchemaOnly, type ToolContext } from "./pg-dump-jobs.ts";
import { findPgTools } from "./pgtools.ts";
import { runPool } from "./pool.ts";
import { put, writeSchemaFiles } from "./schema/files.ts";
import { inSnapshot, openSnapshot } from "./snapshot.ts";
import { dumpTableData } from "./table-data.ts";
import type { BackupOptions, BackupProgress } from "./types.ts";

/** Parts stay below GitHub's blob limit (the API refuses blobs of about 40 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * Backs up one whole database at one point in time into `store`: per-table schema.sql and
 * data.sql, per-schema schema.sql (and a pg_dump custom archive), database.sql, roles.sql and
 * manifest.json. Returns the manifest; `status` is `partial` when some table could not be read.
 */
export async function runBackup(o: BackupOptions): Promise<Manifest> {
  const started = Date.now();
  const createdAt = new Date().toISOString();
  const { sql, target } = await connect(o.databaseUrl, o.jobs + 1);
  try {
    const snap = await openSnapshot(sql, { include: o.includeSchemas, exclude: o.excludeSchemas });
    try {
      const s = snap.info;
      const tools = await findPgTools(o.pgBin, s.serverVersionNum);
      const ctx: ToolContext = {
        tools,
        target,
        snapshot: s,
        signal: o.signal,
        filter: { include: o.includeSchemas, exclude: o.excludeSchemas },
      };
      const maxBytes = o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
      const skipped = [
        ...s.unreadable.map((u) => ({ object: `table ${u.table.qname}`, reason: u.reason })),
        ...s.unreadableSequences.map((u) => ({
          object: `sequence ${u.sequence.qname}`,
          reason: u.reason,
        })),
      ];
      const skippedOids = new Set(s.unreadable.map((u) => u.table.oid));
      const tables = s.tables.filter((t) => !skippedOids.has(t.oid));
      const schemaFolders = new Map(s.schemas.map((n) => [n, toFolderName(n)]));
      const tableFolder = (t: TableInfo) =>
        `${schemaFolders.get(t.schema)}/tables/${toFolderName(t.name)}`;

      const data = new Map<number, { rows: number; files: FileEntry[] }>();
      const archives = new Map<string, FileEntry[]>();
      let schemaFiles: Awaited<ReturnType<typeof writeSchemaFiles>> | undefined;
      let roles: { file: FileEntry; passwords: boolean } | undefined;
      let sequencesFiles = new Map<string, FileEntry>();
      const progress: BackupProgress = {
        tablesDone: 0,
        tablesTotal: tables.length,
        rows: 0,
        bytes: 0,
      };
      const report = () => o.onProgress?.({ ...progress });

      const ownedSetvals = new Map<number, string>();
      for (const q of s.sequences) {
        const stmt = setvalStatement(q);
        if (stmt && q.ownerOid !== null)
          ownedSetvals.set(q.ownerOid, (ownedSetvals.get(q.ownerOid) ?? "") + stmt);
      }

      const tasks: { weight: number; run: () => Promise<void> }[] = [];
      tasks.push({
        weight: Number.MAX_SAFE_INTEGER,
        run: async () => {
          const parsed = await dumpSchemaOnly(ctx);
          const folders = {
            tableFolders: new Map(tables.map((t) => [t.oid, tableFolder(t)])),
            schemaFolders,
          };
          schemaFiles = await inSnapshot(sql, s.id, (tx) =>
            writeSchemaFiles(tx, parsed, folders, o.store),
          );
        },
      });
      tasks.push({
        weight: Number.MAX_SAFE_INTEGER - 1,
        run: async () => {
          const r = await dumpRoles(ctx);
          roles = { file: await put(o.store, "roles.sql", r.text), passwords: r.passwords };
          sequencesFiles = await writeFreeSequences(o.store, s.sequences, s.tables, schemaFolders);
        },
      });
      if (o.customDump) {
        for (const name of s.schemas) {
          const folder = schemaFolders.get(name) ?? toFolderName(name);
          const weight = tables
            .filter((t) => t.schema === name)
            .reduce((a, t) => a + t.bytesEstimate, 0);
          tasks.push({
            weight,
            run: async () => {
              archives.set(
                name,
                await dumpSchemaArchive(ctx, name, folder, folder, o.store, maxBytes),
              );
            },
          });
        }
      }
      for (const t of tables) {
        if (t.kind === "partitioned") {
          data.set(t.oid, { rows: 0, files: [] });
          progress.tablesDone++;
          continue;
        }
        tasks.push({
          weight: t.bytesEstimate,
          run: async () => {
            const r = await copyOrSkip(
              o,
              sql,
              s.id,
              t,
              tableFolder(t),
              maxBytes,
              ownedSetvals.get(t.oid) ?? "",
            );
            if ("skipped" in r) skipped.push(r.skipped);
            else {
              data.set(t.oid, r);
              progress.rows += r.rows;
              progress.bytes += r.files.reduce((a, f) => a + f.bytes, 0);
            }
            progress.tablesDone++;
            report();
          },
        });
      }
      tasks.sort((a, b) => b.weight - a.weight);
      await runPool(
        tasks.map((t) => t.run),
        o.jobs,
        o.signal,
      );
      if (!schemaFiles || !roles) throw new Error("schema or roles job did not finish");

      const sf = schemaFiles;
      const tableEntries: TableEntry[] = tables
        .filter((t) => data.has(t.oid))
        .map((t) => {
          const d = data.get(t.oid) ?? { rows: 0, files: [] };
          const schemaFile = sf.tableFiles.get(t.oid);
          const files = [...(schemaFile ? [schemaFile] : []), ...d.files];
          return {
            schema: t.schema,
            name: t.name,
            kind: t.kind,
            path: tableFolder(t),
            rows: d.rows,
            bytes: files.reduce((a, f) => a + f.bytes, 0),
            files,
            sequences: s.sequences
              .filter((q) => q.ownerOid === t.oid && q.value)
              .map((q) => ({
                name: q.name,
                value: q.value?.value ?? "",
                is_called: q.value?.isCalled ?? false,
              })),
          };
        });
      const schemaEntries = s.schemas.map((name) => {
        const files = [
          sf.schemaFiles.get(name),
          sequencesFiles.get(name),
          ...(archives.get(name) ?? []),
        ];
        return {
          name,
          path: schemaFolders.get(name) ?? toFolderName(name),
          files: files.filter((f): f is FileEntry => f !== undefined),
        };
      });
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        backup_id: o.backupId,
        created_at: createdAt,
        snapshot: { time: s.time, server_version: s.serverVersion, database: s.database },
        triggers: o.triggers as Trigger[],
        files: [sf.databaseFile],
        schemas: schemaEntries,
        tables: tableEntries,
        roles: { passwords: roles.passwords, files: [roles.file] },
        totals: { schemas: 0, tables: 0, rows: 0, bytes: 0, files: 0 },
        tool: { name: "tablesnap", version: TOOL_VERSION },
        duration_ms: 0,
        status: skipped.length > 0 ? "partial" : "complete",
        skipped,
        options: {
          include_schemas: [...o.includeSchemas],
          exclude_schemas: [...o.excludeSchemas],
          custom_dump: o.customDump,
        },
      };
      const all = [
        ...manifest.files,
        ...manifest.roles.files,
        ...schemaEntries.flatMap((e) => e.files),
        ...tableEntries.flatMap((e) => e.files),
      ];
      manifest.totals = {
        schemas: schemaEntries.length,
        tables: tableEntries.length,
        rows: tableEntries.reduce((a, t) => a + t.rows, 0),
        bytes: all.reduce((a, f) => a + f.bytes, 0),
        files: all.length,
      };
      manifest.duration_ms = Date.now() - started;
      return manifest;
    } finally {
      await snap.close().catch(() => {});
    }
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}

/**
 * Copies a table; a table the server refuses to let us read (SQLSTATE class 42: privileges, row
 * security) is skipped with the server's words, anything else fails the run.
 */
async function copyOrSkip(
  o: BackupOptions,
  sql: Parameters<typeof dumpTableData>[0]["sql"],
  snapshotId: string,
  table: TableInfo,
  folder: string,
  maxBytes: number,
  trailer: string,
): Promise<{ rows: number; files: FileEntry[] } | { skipped: { object: string; reason: string } }> {
  try {
    return await dumpTableData({
      sql,
      snapshotId,
      table,
      store: o.store,
      folder,
      maxBytes,
      trailer,
      signal: o.signal,
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (
      e instanceof Error &&
      e.name === "PostgresError" &&
      typeof code === "string" &&
      code.startsWith("42")
    ) {
      return { skipped: { object: `table ${table.qname}`, reason: e.message } };
    }
    throw e;
  }
}

/** `<schema>/sequences.sql`: values of the sequences no backed-up table owns. */
async function writeFreeSequences(
  store: ArtifactStore,
  sequences: readonly SequenceInfo[],
  tables: readonly TableInfo[],
  schemaFolders: ReadonlyMap<string, string>,
): Promise<Map<string, FileEntry>> {
  const owned = new Set(tables.map((t) => t.oid));
  const bySchema = new Map<string, string>();
  for (const q of sequences) {
    if (q.ownerOid !== null && owned.has(q.ownerOid)) continue;
    const stmt = setvalStatement(q);
    if (stmt) bySchema.set(q.schema, (bySchema.get(q.schema) ?? "") + stmt);
  }
  const out = new Map<string, FileEntry>();
  for (const [schema, text] of bySchema) {
    const folder = schemaFolders.get(schema);
    if (folder) out.set(schema, await put(store, `${folder}/sequences.sql`, text));
  }
  return out;
}
