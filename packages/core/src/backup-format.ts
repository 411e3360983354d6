import { toFolderName } from "./names.ts";

/**
 * The backup format: every name in a backup folder, and the markers inside its files. The dump
 * writes with these and restore, verify, the publisher and the services read with them; nothing
 * else spells a file name of the format. `docs/backup-format.md` describes it for people.
 */
export const MANIFEST_FILE = "manifest.json";
/** Database-wide objects (and pg_dump's preamble and trailer). */
export const DATABASE_FILE = "database.sql";
/** pg_dump's own order of every entry, which the split into files cannot show. */
export const TOC_FILE = "toc.tsv";
export const ROLES_FILE = "roles.sql";

/** `<schema>`: a schema's folder. */
export function schemaFolder(schema: string): string {
  return toFolderName(schema);
}

/**
 * A folder holds at most this many tables: GitHub asks for at most 3,000 entries per folder
 * (its web view shows 1,000). A schema with more puts its tables in 256 shard folders.
 */
export const TABLES_PER_FOLDER = 3000;

/**
 * `<schema>/tables/<table>`: a table's folder; in a schema of more than `TABLES_PER_FOLDER`
 * tables (`sharded`), `<schema>/tables/<xx>/<table>`, `xx` the low byte of the FNV-1a hash of
 * the table's name in UTF-8, in hex.
 */
export function tableFolder(schema: string, table: string, sharded = false): string {
  const shard = sharded ? `${shardOf(table)}/` : "";
  return `${toFolderName(schema)}/tables/${shard}${toFolderName(table)}`;
}

function shardOf(name: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) h = Math.imul(h ^ byte, 0x01000193);
  return (h & 0xff).toString(16).padStart(2, "0");
}

/** `<folder>/schema.sql`: the objects of a schema, or a table and its indexes, grants, … */
export function schemaFile(folder: string): string {
  return `${folder}/schema.sql`;
}

export function isSchemaFile(path: string): boolean {
  return path.endsWith("/schema.sql");
}

/** `<schema>/sequences.sql`: values of the sequences no backed-up table owns. */
export function sequencesFile(folder: string): string {
  return `${folder}/sequences.sql`;
}

/** `data.sql`, `data.part-002.sql`, …: the first part keeps the plain name. */
export function numberedPath(base: string, ext: string): (n: number) => string {
  return (n) => (n === 1 ? `${base}${ext}` : `${base}.part-${String(n).padStart(3, "0")}${ext}`);
}

/** A table's data parts: `<folder>/data.sql`, `<folder>/data.part-002.sql`, … */
export function dataPartPath(folder: string): (n: number) => string {
  return numberedPath(`${folder}/data`, ".sql");
}

/** Which part of a table's data `path` is (1 for `data.sql`), or null when it is none. */
export function dataPartNumber(path: string): number | null {
  const m = /\/data(?:\.part-(\d+))?\.sql$/.exec(path);
  return m ? Number(m[1] ?? 1) : null;
}

/** `<schema>/<schema>.dump`, `….part-002.dump`, …: pg_dump's custom archive of one schema. */
export function archivePartPath(folder: string): (n: number) => string {
  return numberedPath(`${folder}/${folder}`, ".dump");
}

/** Whether `path` is a part of the archive `archivePartPath(folder)` names. */
export function isArchivePart(folder: string, path: string): boolean {
  const base = `${folder}/${folder}`;
  if (!path.startsWith(base)) return false;
  return /^(?:\.part-\d{3,})?\.dump$/.test(path.slice(base.length));
}

/** An encrypted file is stored under its name plus this: `data.sql.age`, `roles.sql.age`. */
export const ENCRYPTED_SUFFIX = ".age";

export function encryptedPath(path: string): string {
  return `${path}${ENCRYPTED_SUFFIX}`;
}

/** The name a file has in plaintext: `data.sql` for `data.sql.age`, any other name as it is. */
export function plainPath(path: string): string {
  return path.endsWith(ENCRYPTED_SUFFIX) ? path.slice(0, -ENCRYPTED_SUFFIX.length) : path;
}

export type Section = "pre-data" | "post-data";

/** Lines that mark where a restore runs each part of a schema file: before the data, or after. */
export const SECTION_MARKER: Readonly<Record<Section, string>> = {
  "pre-data": "-- tablesnap:section pre-data\n",
  "post-data": "-- tablesnap:section post-data\n",
};

/** Reads a marker line back: its section, or null for any other line. */
export function sectionOfMarker(line: string): Section | null {
  const m = /^-- tablesnap:section (pre-data|post-data)$/.exec(line);
  return m ? (m[1] as Section) : null;
}
