import {
  dataPartNumber,
  isSchemaFile,
  type Manifest,
  type TableEntry,
  tableFilesChanged,
} from "@tablesnap/core";
import { readAll } from "../read.ts";
import type { BackupReader } from "../types.ts";
import { dataRows, primaryKeyOf } from "./rows.ts";
import { diffRows, type RowChange, type RowCounts } from "./table-rows.ts";

/** One side of a diff: a backup shown as plaintext (see `plainView`). */
export interface DiffSide {
  readonly name: string;
  readonly manifest: Manifest;
  readonly reader: BackupReader;
}

export interface TableDiff {
  readonly table: string;
  /** Null when the data files are identical (only the schema changed). */
  readonly rows: RowCounts | null;
  /** Whether rows were matched by primary key, or compared as multisets. */
  readonly by: "primary key" | "whole row";
  readonly schemaChanged: boolean;
}

export interface BackupDiff {
  readonly from: string;
  readonly to: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly TableDiff[];
  readonly totals: RowCounts;
}

/**
 * What changed between two backups, table by table, read from the backups alone (no database):
 * tables added and removed, and for each changed table its rows added, removed and changed.
 * A table's files are compared by their sha256 first, so unchanged tables cost nothing.
 */
export async function diffBackups(
  from: DiffSide,
  to: DiffSide,
  onRow?: (table: string, change: RowChange) => void,
): Promise<BackupDiff> {
  const name = (t: TableEntry) => `${t.schema}.${t.name}`;
  const before = new Map(from.manifest.tables.map((t) => [name(t), t]));
  const after = new Map(to.manifest.tables.map((t) => [name(t), t]));
  const changed: TableDiff[] = [];
  const totals: RowCounts = { added: 0, removed: 0, changed: 0 };
  for (const [table, b] of after) {
    const a = before.get(table);
    if (!a) continue;
    const d = await diffTable(table, { side: from, entry: a }, { side: to, entry: b }, onRow);
    if (!d) continue;
    changed.push(d);
    if (d.rows) for (const k of ["added", "removed", "changed"] as const) totals[k] += d.rows[k];
  }
  return {
    from: from.name,
    to: to.name,
    added: [...after.keys()].filter((t) => !before.has(t)),
    removed: [...before.keys()].filter((t) => !after.has(t)),
    changed,
    totals,
  };
}

interface Version {
  readonly side: DiffSide;
  readonly entry: TableEntry;
}

async function diffTable(
  table: string,
  a: Version,
  b: Version,
  onRow?: (table: string, change: RowChange) => void,
): Promise<TableDiff | null> {
  const schemaOf = (v: Version) => v.entry.files.find((f) => isSchemaFile(f.path));
  const dataOf = (v: Version) =>
    v.entry.files
      .filter((f) => dataPartNumber(f.path) !== null)
      .sort((x, y) => (dataPartNumber(x.path) ?? 0) - (dataPartNumber(y.path) ?? 0));
  const { data: dataChanged, schema: schemaChanged } = tableFilesChanged(a.entry, b.entry);
  if (!schemaChanged && !dataChanged) return null;
  const schemaFile = schemaOf(b);
  const pk = schemaFile
    ? primaryKeyOf((await readAll(b.side.reader, schemaFile.path)).toString("utf8"))
    : null;
  if (!dataChanged)
    return { table, rows: null, by: pk ? "primary key" : "whole row", schemaChanged };
  let columns: string[] = [];
  const rowsOf = (v: Version) =>
    dataRows(
      v.side.reader,
      dataOf(v).map((f) => f.path),
      (c) => (columns = c),
    );
  const beforeRows = rowsOf(a);
  const afterRows = rowsOf(b);
  // The key's fields by the COPY header's column order (known once the first file is read).
  const key = pk
    ? (row: string) => {
        const fields = row.split("\t");
        return pk.map((c) => fields[columns.indexOf(c)] ?? "").join("\t");
      }
    : null;
  const rows = await diffRows(beforeRows, afterRows, key, (c) => onRow?.(table, c));
  return { table, rows, by: pk ? "primary key" : "whole row", schemaChanged };
}
