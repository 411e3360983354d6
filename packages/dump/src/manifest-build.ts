import {
  type FileEntry,
  MANIFEST_FORMAT,
  type Manifest,
  plainBytes,
  type TableEntry,
  TOOL_VERSION,
  toFolderName,
} from "@tablesnap/core";
import type { TableInfo } from "./catalog.ts";
import { DEFAULT_MAX_FILE_BYTES } from "./defaults.ts";
import type { RunResults } from "./jobs.ts";
import type { SnapshotInfo } from "./snapshot.ts";
import type { BackupOptions } from "./types.ts";

/** Puts a finished run's results into the manifest, with totals over every file it lists. */
export function buildManifest(
  o: BackupOptions,
  s: SnapshotInfo,
  tables: readonly TableInfo[],
  tableFolder: (t: TableInfo) => string,
  r: RunResults,
  timing: { createdAt: string; started: number },
): Manifest {
  const sf = r.schemaFiles;
  if (!sf || !r.roles) throw new Error("the schema or roles job did not finish");
  const tableEntries: TableEntry[] = tables.flatMap((t) => {
    const d = r.data.get(t.oid);
    if (!d) return [];
    const schemaFile = sf.tableFiles.get(t.oid);
    const files = [...(schemaFile ? [schemaFile] : []), ...d.files];
    return [
      {
        schema: t.schema,
        name: t.name,
        kind: t.kind,
        path: tableFolder(t),
        rows: d.rows,
        bytes: sum(files),
        files,
        sequences: s.sequences.flatMap((q) =>
          q.ownerOid === t.oid && q.value
            ? [{ name: q.name, value: q.value.value, is_called: q.value.isCalled }]
            : [],
        ),
      },
    ];
  });
  const schemaEntries = s.schemas.map((name) => ({
    name,
    path: toFolderName(name),
    files: [
      sf.schemaFiles.get(name),
      r.sequencesFiles.get(name),
      ...(r.archives.get(name) ?? []),
    ].filter((f): f is FileEntry => f !== undefined),
  }));
  const all = [
    sf.databaseFile,
    sf.tocFile,
    r.roles.file,
    ...schemaEntries.flatMap((e) => e.files),
    ...tableEntries.flatMap((e) => e.files),
  ];
  return {
    format: MANIFEST_FORMAT,
    backup_id: o.backupId,
    created_at: timing.createdAt,
    snapshot: { time: s.time, server_version: s.serverVersion, database: s.database },
    triggers: [...o.triggers],
    files: [sf.databaseFile, sf.tocFile],
    schemas: schemaEntries,
    tables: tableEntries,
    roles: { passwords: r.roles.passwords, files: [r.roles.file] },
    totals: {
      schemas: schemaEntries.length,
      tables: tableEntries.length,
      rows: tableEntries.reduce((a, t) => a + t.rows, 0),
      bytes: sum(all),
      files: all.length,
    },
    tool: { name: "tablesnap", version: TOOL_VERSION },
    duration_ms: Date.now() - timing.started,
    status: r.skipped.length > 0 ? "partial" : "complete",
    skipped: r.skipped,
    materialized_views: s.matviews.map((v) => ({ ...v })),
    options: {
      include_schemas: [...o.includeSchemas],
      exclude_schemas: [...o.excludeSchemas],
      custom_dump: o.customDump,
      max_file_bytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    },
  };
}

function sum(files: readonly FileEntry[]): number {
  return files.reduce((a, f) => a + plainBytes(f), 0);
}
