import {
  dataPartNumber,
  type FileEntry,
  type Manifest,
  schemaFile as schemaFilePath,
  type TableEntry,
  UsageError,
} from "@tablesnap/core";

/** What to restore: everything (both empty), whole schemas, single tables. */
export interface Selection {
  readonly schemas: readonly string[];
  /** `schema.table` as given on the command line; a name without a schema means `public`. */
  readonly tables: readonly string[];
}

export interface Selected {
  readonly whole: boolean;
  /** Schemas whose own objects (`schema.sql`, `sequences.sql`) are restored. */
  readonly schemas: readonly string[];
  readonly tables: readonly TableEntry[];
}

/** Resolves a selection against the manifest; an unknown schema or table is a usage error. */
export function selectFromManifest(m: Manifest, s: Selection): Selected {
  if (s.schemas.length === 0 && s.tables.length === 0)
    return { whole: true, schemas: m.schemas.map((x) => x.name), tables: m.tables };
  for (const name of s.schemas) {
    if (!m.schemas.some((x) => x.name === name))
      throw new UsageError(
        `no schema ${JSON.stringify(name)} in backup ${m.backup_id} (it has: ${m.schemas.map((x) => x.name).join(", ")})`,
      );
  }
  const picked = new Set<TableEntry>(m.tables.filter((t) => s.schemas.includes(t.schema)));
  for (const arg of s.tables) {
    const t = resolveTable(m, arg);
    picked.add(t);
  }
  return {
    whole: false,
    schemas: [...s.schemas],
    tables: m.tables.filter((t) => picked.has(t)),
  };
}

/** `a.b.c` may be schema `a.b`, table `c` or schema `a`, table `b.c`: the manifest decides. */
function resolveTable(m: Manifest, arg: string): TableEntry {
  const candidates: TableEntry[] = [];
  for (let i = arg.indexOf("."); i >= 0; i = arg.indexOf(".", i + 1)) {
    const schema = arg.slice(0, i);
    const name = arg.slice(i + 1);
    const t = m.tables.find((x) => x.schema === schema && x.name === name);
    if (t) candidates.push(t);
  }
  if (!arg.includes(".")) {
    const t = m.tables.find((x) => x.schema === "public" && x.name === arg);
    if (t) candidates.push(t);
  }
  const [only, second] = candidates;
  if (only && !second) return only;
  if (second)
    throw new UsageError(`--table ${arg} is ambiguous: it names more than one table of the backup`);
  const near = m.tables
    .filter((x) => arg.endsWith(`.${x.name}`) || arg === x.name)
    .map((x) => `${x.schema}.${x.name}`);
  throw new UsageError(
    `no table ${JSON.stringify(arg)} in backup ${m.backup_id}${near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : ""}`,
  );
}

/** The files of a table in load order: `schema.sql`, then `data.sql`, `data.part-002.sql`, … */
export function dataFiles(t: TableEntry): FileEntry[] {
  const part = (p: string) => dataPartNumber(p) ?? 0;
  return t.files.filter((f) => part(f.path) > 0).sort((a, b) => part(a.path) - part(b.path));
}

export function schemaFile(t: TableEntry): FileEntry | undefined {
  return t.files.find((f) => f.path === schemaFilePath(t.path));
}
