import { type ArtifactStore, writeText } from "@tablesnap/artifacts";
import {
  DATABASE_FILE,
  type FileEntry,
  SECTION_MARKER,
  schemaFile,
  TOC_FILE,
} from "@tablesnap/core";
import type { Tx } from "../connect.ts";
import type { ParsedDump } from "./parse.ts";
import { type Location, type PlacedEntry, placeEntries, type Section } from "./place.ts";

export interface SchemaFileTargets {
  /** Folder of each backed-up table by OID, e.g. `public/tables/users`. */
  readonly tableFolders: ReadonlyMap<number, string>;
  /** Folder of each backed-up schema by name, e.g. `public`. */
  readonly schemaFolders: ReadonlyMap<string, string>;
}

export interface SchemaFilesResult {
  readonly tableFiles: Map<number, FileEntry>;
  readonly schemaFiles: Map<string, FileEntry>;
  readonly databaseFile: FileEntry;
  readonly tocFile: FileEntry;
}

/**
 * Writes every entry of the schema dump into exactly one file: `<table folder>/schema.sql`,
 * `<schema folder>/schema.sql` or `database.sql` (which also keeps pg_dump's preamble and
 * trailer), each as a pre-data part and a post-data part in pg_dump's own order.
 */
export async function writeSchemaFiles(
  sql: Tx,
  dump: ParsedDump,
  targets: SchemaFileTargets,
  store: ArtifactStore,
): Promise<SchemaFilesResult> {
  const placed = await placeEntries(
    sql,
    dump.entries,
    new Set(targets.tableFolders.keys()),
    new Set(targets.schemaFolders.keys()),
  );
  const groups = new Map<string, PlacedEntry[]>();
  for (const p of placed) {
    const k = groupKey(p.location);
    const list = groups.get(k);
    if (list) list.push(p);
    else groups.set(k, [p]);
  }
  const group = (l: Location) => groups.get(groupKey(l)) ?? [];

  const tableFiles = new Map<number, FileEntry>();
  for (const [oid, folder] of targets.tableFolders) {
    tableFiles.set(
      oid,
      await writeText(store, schemaFile(folder), sectioned(group({ kind: "table", oid }))),
    );
  }
  const schemaFiles = new Map<string, FileEntry>();
  for (const [name, folder] of targets.schemaFolders) {
    schemaFiles.set(
      name,
      await writeText(store, schemaFile(folder), sectioned(group({ kind: "schema", name }))),
    );
  }
  const db = `${dump.preamble}\n${sectioned(group({ kind: "database" }))}${dump.trailer}`;
  const pathOf = (l: Location) =>
    l.kind === "table"
      ? schemaFile(`${targets.tableFolders.get(l.oid)}`)
      : l.kind === "schema"
        ? schemaFile(`${targets.schemaFolders.get(l.name)}`)
        : DATABASE_FILE;
  return {
    tableFiles,
    schemaFiles,
    databaseFile: await writeText(store, DATABASE_FILE, db),
    tocFile: await writeText(store, TOC_FILE, tocText(placed, pathOf)),
  };
}

/**
 * One line per entry in pg_dump's order: section, file, and the entry's position (1-based) among
 * that file's entries of that section. Objects of one file depend on objects of others (a view on
 * a table, a partition on its parent, a table on a type), so a restore runs each section in this
 * order. It changes only when the schema changes.
 */
function tocText(placed: readonly PlacedEntry[], pathOf: (l: Location) => string): string {
  const seen = new Map<string, number>();
  const lines = placed.map((p) => {
    const path = pathOf(p.location);
    const key = `${p.section}\t${path}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `${key}\t${n}`;
  });
  return `# section\tfile\tentry\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}`;
}

function groupKey(l: Location): string {
  return l.kind === "table" ? `t:${l.oid}` : l.kind === "schema" ? `s:${l.name}` : "d";
}

function sectioned(entries: readonly PlacedEntry[]): string {
  const part = (s: Section) =>
    SECTION_MARKER[s] +
    "\n" +
    entries
      .filter((e) => e.section === s)
      .map((e) => e.entry.text)
      .join("");
  return part("pre-data") + part("post-data");
}
