import type { Tx } from "./connect.ts";

/** A table to back up, as the snapshot sees it. */
export interface TableInfo {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly kind: "table" | "partitioned" | "partition";
  /** `schema.table`, quoted by the server's own quote_ident. */
  readonly qname: string;
  /** Columns COPY carries (generated ones left out, as pg_dump does), quoted, in order. */
  readonly columns: readonly string[];
  /** Primary-key columns, quoted, in key order; empty when there is none. */
  readonly primaryKey: readonly string[];
  /** Size estimate, for scheduling the largest work first. */
  readonly bytesEstimate: number;
  /** Why the dump role cannot read this table, when the catalog says so before we try. */
  readonly unreadable: boolean;
}

export interface SequenceInfo {
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  /** The table that owns it (serial or identity), if any. */
  readonly ownerOid: number | null;
  /** null when the dump role may not read it. */
  readonly value: { value: string; isCalled: boolean } | null;
}

export const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast"];

/** Every schema a backup covers: all but the system ones, then `include`/`exclude` by exact name. */
export async function listSchemas(
  sql: Tx,
  include: readonly string[],
  exclude: readonly string[],
): Promise<{ schemas: string[]; missing: string[] }> {
  const rows = await sql<{ nspname: string }[]>`
    select nspname from pg_namespace
    where nspname <> all(${SYSTEM_SCHEMAS}) and nspname !~ '^pg_temp_' and nspname !~ '^pg_toast_temp_'
    order by nspname collate "C"`;
  const all = rows.map((r) => r.nspname);
  const missing = [...include, ...exclude].filter((s) => !all.includes(s));
  const schemas = all.filter(
    (s) => (include.length === 0 || include.includes(s)) && !exclude.includes(s),
  );
  return { schemas, missing };
}

export async function listTables(sql: Tx, schemas: readonly string[]): Promise<TableInfo[]> {
  const rows = await sql<
    {
      oid: string;
      schema: string;
      name: string;
      relkind: string;
      is_partition: boolean;
      qname: string;
      pages: string;
      unreadable: boolean;
      columns: string[];
      pk: string[] | null;
    }[]
  >`
    select c.oid::int8 as oid, n.nspname as schema, c.relname as name, c.relkind::text as relkind,
      c.relispartition as is_partition,
      quote_ident(n.nspname) || '.' || quote_ident(c.relname) as qname,
      greatest(c.relpages, 0)::int8 as pages,
      (not has_table_privilege(c.oid, 'SELECT')
        or (c.relrowsecurity and not (r.rolsuper or r.rolbypassrls)
            and (c.relforcerowsecurity or not pg_has_role(c.relowner, 'USAGE')))) as unreadable,
      coalesce((select array_agg(quote_ident(a.attname) order by a.attnum) from pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''), '{}') as columns,
      (select array_agg(quote_ident(a.attname) order by k.ord)
         from pg_index i cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = c.oid and i.indisprimary) as pk
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_roles r on r.rolname = current_user
    where c.relkind in ('r', 'p') and n.nspname = any(${schemas as string[]})
      and (not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                         and d.objid = c.oid and d.deptype = 'e')
           or exists (select 1 from pg_extension e where c.oid = any(e.extconfig)))
    order by n.nspname collate "C", c.relname collate "C"`;
  return rows.map((r) => ({
    oid: Number(r.oid),
    schema: r.schema,
    name: r.name,
    kind: r.relkind === "p" ? "partitioned" : r.is_partition ? "partition" : "table",
    qname: r.qname,
    columns: r.columns,
    primaryKey: r.pk ?? [],
    bytesEstimate: Number(r.pages) * 8192,
    unreadable: r.unreadable,
  }));
}

export async function listSequences(sql: Tx, schemas: readonly string[]): Promise<SequenceInfo[]> {
  const rows = await sql<
    { schema: string; name: string; qname: string; owner: string | null; readable: boolean }[]
  >`
    select n.nspname as schema, c.relname as name,
      quote_ident(n.nspname) || '.' || quote_ident(c.relname) as qname,
      (select d.refobjid from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
         and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i') limit 1)::int8 as owner,
      has_sequence_privilege(c.oid, 'SELECT') as readable
    from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${schemas as string[]})
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                        and d.objid = c.oid and d.deptype = 'e')
    order by n.nspname collate "C", c.relname collate "C"`;
  const values = await readSequenceValues(
    sql,
    rows.filter((r) => r.readable).map((r) => r.qname),
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    qname: r.qname,
    ownerOid: r.owner === null ? null : Number(r.owner),
    value: values.get(r.qname) ?? null,
  }));
}

/**
 * `last_value` and `is_called` as pg_dump reads them (pg_sequence_last_value() hides the value
 * when is_called is false), a few hundred sequences per query.
 */
async function readSequenceValues(sql: Tx, qnames: readonly string[]) {
  const out = new Map<string, { value: string; isCalled: boolean }>();
  for (let i = 0; i < qnames.length; i += 200) {
    const batch = qnames.slice(i, i + 200);
    const query = batch
      .map((q, j) => `select ${i + j} as i, last_value::text as v, is_called as c from ${q}`)
      .join(" union all ");
    const rows = (await sql.unsafe(query)) as unknown as { i: number; v: string; c: boolean }[];
    for (const r of rows) {
      const q = qnames[r.i];
      if (q) out.set(q, { value: r.v, isCalled: r.c });
    }
  }
  return out;
}

/** `SELECT pg_catalog.setval(...)`, exactly as pg_dump writes a sequence's value. */
export function setvalStatement(s: SequenceInfo): string | null {
  if (!s.value) return null;
  return `SELECT pg_catalog.setval('${s.qname.replaceAll("'", "''")}', ${s.value.value}, ${s.value.isCalled});\n`;
}
