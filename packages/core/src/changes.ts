import { dataPartNumber, isSchemaFile, plainPath } from "./backup-format.ts";
import { type FileEntry, type Manifest, manifestFiles, type TableEntry } from "./manifest.ts";

/** Which of a table's files differ between two backups, by their plaintext sha256. */
export function tableFilesChanged(
  a: TableEntry,
  b: TableEntry,
): { data: boolean; schema: boolean } {
  const digest = (f: FileEntry | undefined) =>
    f === undefined ? "" : (f.plain?.sha256 ?? f.sha256);
  const schemaOf = (t: TableEntry) => digest(t.files.find((f) => isSchemaFile(plainPath(f.path))));
  const dataOf = (t: TableEntry) =>
    t.files
      .map((f) => ({ part: dataPartNumber(plainPath(f.path)), f }))
      .filter((p) => p.part !== null)
      .sort((x, y) => (x.part ?? 0) - (y.part ?? 0))
      .map((p) => digest(p.f))
      .join(" ");
  return { data: dataOf(a) !== dataOf(b), schema: schemaOf(a) !== schemaOf(b) };
}

export interface TableChange {
  readonly table: string;
  readonly data: boolean;
  readonly schema: boolean;
  readonly rowsBefore: number;
  readonly rowsAfter: number;
}

/**
 * What a backup changed against the one before it, from the two manifests alone (nothing is
 * read): tables added, removed and changed (data or schema), with row counts. Row-level changes
 * (added, removed, changed rows by key) are `tablesnap diff`'s, which reads the files.
 */
export interface BackupChanges {
  /** The backup compared with; null for a first backup (every table is then `added`). */
  readonly since: string | null;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly TableChange[];
  /** Rows after minus rows before, over every table. */
  readonly rowsDelta: number;
}

export function backupChanges(before: Manifest | null, after: Manifest): BackupChanges {
  const name = (t: TableEntry) => `${t.schema}.${t.name}`;
  const old = new Map((before?.tables ?? []).map((t) => [name(t), t]));
  const now = new Map(after.tables.map((t) => [name(t), t]));
  const changed: TableChange[] = [];
  for (const [table, b] of now) {
    const a = old.get(table);
    if (a === undefined) continue;
    const { data, schema } = tableFilesChanged(a, b);
    if (data || schema)
      changed.push({ table, data, schema, rowsBefore: a.rows, rowsAfter: b.rows });
  }
  const rows = (m: Manifest | null) => (m?.tables ?? []).reduce((n, t) => n + t.rows, 0);
  return {
    since: before?.backup_id ?? null,
    added: [...now.keys()].filter((t) => !old.has(t)),
    removed: [...old.keys()].filter((t) => !now.has(t)),
    changed,
    rowsDelta: rows(after) - rows(before),
  };
}

/** One line for people: `3 tables changed (2 data, 1 schema), 1 added; rows +116`. */
export function changesLine(c: BackupChanges): string {
  if (c.since === null) return `first backup: ${c.added.length} tables`;
  const data = c.changed.filter((t) => t.data).length;
  const schema = c.changed.filter((t) => t.schema).length;
  const parts = [
    c.changed.length === 0
      ? "no table changed"
      : `${c.changed.length} table${c.changed.length === 1 ? "" : "s"} changed (${data} data, ${schema} schema)`,
    ...(c.added.length > 0 ? [`${c.added.length} added`] : []),
    ...(c.removed.length > 0 ? [`${c.removed.length} removed`] : []),
  ];
  const delta = c.rowsDelta === 0 ? "±0" : c.rowsDelta > 0 ? `+${c.rowsDelta}` : `−${-c.rowsDelta}`;
  return `${parts.join(", ")}; rows ${delta}`;
}

/**
 * What a backup holds, without when or why it was taken: every file by path with its plaintext
 * sha256 and recipients, each table's rows and sequence values, the roles, options and status.
 * Two backups with the same key restore to the same database.
 */
function contentKey(m: Manifest): string {
  const files = manifestFiles(m)
    .map((f) => [plainPath(f.path), f.plain?.sha256 ?? f.sha256, f.recipients ?? []] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify({
    files,
    tables: m.tables.map((t) => [t.schema, t.name, t.kind, t.rows, t.sequences]),
    database: m.snapshot.database,
    server: m.snapshot.server_version,
    passwords: m.roles.passwords,
    status: m.status,
    skipped: m.skipped,
    views: m.materialized_views ?? [],
    options: m.options,
  });
}

/** Whether two backups hold the same data, schema and roles (their ids, times and triggers aside). */
export function sameContent(a: Manifest, b: Manifest): boolean {
  return contentKey(a) === contentKey(b);
}
