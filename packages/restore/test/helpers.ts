import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { type Manifest, serializeManifest } from "@tablesnap/core";
import { runBackup } from "@tablesnap/dump";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import type { RestoreOptions } from "../src/index.ts";

const run = promisify(execFile);

export type Sql = ScratchDatabase["sql"];

/** A backup folder on disk, made by the real engine. */
export interface Backup {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly reader: FsArtifactStore;
  remove(): Promise<void>;
}

export async function backupToFolder(databaseUrl: string): Promise<Backup> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-restore-"));
  const reader = new FsArtifactStore(dir);
  const manifest = await runBackup({
    databaseUrl,
    store: reader,
    backupId: `test-${Date.now()}`,
    triggers: [{ source: "local", event: "manual", ref: "restore-test" }],
    jobs: 2,
    includeSchemas: [],
    excludeSchemas: [],
    customDump: false,
    signal: new AbortController().signal,
  });
  // The engine writes the files; the manifest is the publisher's to write, as the CLI does.
  await writeFile(join(dir, "manifest.json"), serializeManifest(manifest));
  return { dir, manifest, reader, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Options of a whole, one-transaction restore of `backup` into `databaseUrl`, with overrides. */
export function restoreOptions(
  backup: Backup,
  databaseUrl: string,
  extra: Partial<RestoreOptions> = {},
): RestoreOptions {
  return {
    reader: backup.reader,
    databaseUrl,
    schemas: [],
    tables: [],
    jobs: 1,
    roles: false,
    supabase: "auto",
    dryRun: false,
    signal: new AbortController().signal,
    ...extra,
  };
}

/** Scratch databases a test file creates, all dropped by `dropAll()` (call it in afterAll). */
export function scratchDatabases() {
  const made: ScratchDatabase[] = [];
  return {
    async create(prefix: string): Promise<ScratchDatabase> {
      const db = await createScratchDatabase(prefix);
      made.push(db);
      return db;
    },
    async dropAll(): Promise<void> {
      await Promise.all(made.splice(0).map((db) => db.drop()));
    },
  };
}

const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'`;

export interface TableContents {
  readonly rows: number;
  /** md5 of every row's text, one per line, in key order (whole-row order without a key). */
  readonly md5: string;
}

/**
 * Every table's rows, read on the server: each row as its text (every column, generated ones
 * too), in primary-key order. Partitioned parents hold no rows; their partitions are listed.
 * Keyed by the quoted name (`app."order items"`): `public."v1.2"` and `"public.v1"."2"` differ.
 */
export async function tableContents(sql: Sql): Promise<Record<string, TableContents>> {
  const tables = await sql<{ qname: string; order: string | null }[]>`
    select format('%I.%I', n.nspname, c.relname) as qname,
      (select string_agg(format('t.%I', a.attname), ', ' order by k.o) from pg_index i
        cross join unnest(i.indkey) with ordinality k(attnum, o)
        join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
        where i.indrelid = c.oid and i.indisprimary) as order
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and ${sql.unsafe(USER_SCHEMAS)} order by 1`;
  const out: Record<string, TableContents> = {};
  for (const t of tables) {
    const order = t.order ?? `(t.*)::text collate "C"`;
    const [r] = await sql.unsafe<{ rows: number; md5: string }[]>(
      `select count(*)::int as rows, md5(coalesce(string_agg((t.*)::text, E'\\n' order by ${order}), '')) as md5 from only ${t.qname} t`,
    );
    if (r) out[t.qname] = { rows: r.rows, md5: r.md5 };
  }
  return out;
}

/** Only the entries of `all` whose key starts with one of `prefixes` (`"public."`). */
export function only<T>(all: Record<string, T>, ...prefixes: string[]): Record<string, T> {
  return Object.fromEntries(
    Object.entries(all).filter(([k]) => prefixes.some((p) => k.startsWith(p))),
  );
}

/** `pg_dump --schema-only` without the lines that differ between runs or pg_dump versions. */
export async function schemaOnly(databaseUrl: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("pg_dump", ["--schema-only", ...args, "--dbname", databaseUrl], {
    maxBuffer: 64 << 20,
  });
  return stdout
    .split("\n")
    .filter((l) => !/^(\\restrict|\\unrestrict|-- Dumped (from|by))/.test(l))
    .join("\n");
}

/**
 * The entries of a pg_dump script, sorted: pg_dump orders a `--schema` dump partly by
 * dependencies on objects it leaves out, so two equal schemas may come out in another order.
 */
export function sortedEntries(script: string): string[] {
  return script.split(/\n(?=--\n-- Name: )/).sort();
}

/** `last_value is_called` of every sequence. */
export async function sequenceStates(sql: Sql): Promise<Record<string, string>> {
  const seqs = await sql<{ qname: string }[]>`
    select format('%I.%I', schemaname, sequencename) as qname
    from pg_sequences order by 1`;
  const out: Record<string, string> = {};
  for (const s of seqs) {
    const [v] = await sql.unsafe<{ state: string }[]>(
      `select last_value::text || ' ' || is_called::text as state from ${s.qname}`,
    );
    out[s.qname] = v?.state ?? "";
  }
  return out;
}

/** Whether each materialized view holds data. */
export async function matviewStates(sql: Sql): Promise<Record<string, boolean>> {
  const rows = await sql<{ key: string; populated: boolean }[]>`
    select format('%I.%I', schemaname, matviewname) as key, ispopulated as populated from pg_matviews`;
  return Object.fromEntries(rows.map((r) => [r.key, r.populated]));
}

/**
 * What a restore may have written: schemas (but `public`), relations, routines, types and
 * extensions (but plpgsql). Empty for a fresh database.
 */
export async function userObjects(sql: Sql): Promise<string[]> {
  const rows = await sql<{ what: string }[]>`
    select what from (
      select format('schema %I', n.nspname) as what from pg_namespace n
      where ${sql.unsafe(USER_SCHEMAS)} and n.nspname <> 'public'
      union all
      select format('%s %I.%I', c.relkind, n.nspname, c.relname) from pg_class c
      join pg_namespace n on n.oid = c.relnamespace where ${sql.unsafe(USER_SCHEMAS)}
      union all
      select format('routine %s', p.oid::regprocedure) from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace where ${sql.unsafe(USER_SCHEMAS)}
      union all
      select format('type %s', t.oid::regtype) from pg_type t
      join pg_namespace n on n.oid = t.typnamespace
      where ${sql.unsafe(USER_SCHEMAS)} and t.typtype in ('e', 'd', 'r', 'm', 'c')
        and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
      union all
      select format('extension %I', extname) from pg_extension where extname <> 'plpgsql'
    ) o order by 1`;
  return rows.map((r) => r.what);
}
