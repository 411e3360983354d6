import type { Tx } from "@tablesnap/dump";
import { quoteQualified } from "./partitions.ts";
import type { PlannedTable } from "./plan.ts";

interface Dangling {
  /** `child constraint`: one line of the report, and the key of a baseline. */
  readonly key: string;
  readonly parent: string;
  readonly rows: number;
}

/**
 * Rows breaking each foreign key to or from `tables` (or a partitioned table they belong to),
 * checked as the server would (MATCH SIMPLE: a key with a NULL in it refers to nothing). `notValidOnly` counts only the keys added
 * NOT VALID, whose old rows the server never checked.
 */
async function dangling(
  tx: Tx,
  tables: readonly PlannedTable[],
  notValidOnly: boolean,
): Promise<Dangling[]> {
  const names = tables.map((t) => quoteQualified(t.table.schema, t.table.name));
  if (names.length === 0) return [];
  const fks = await tx<{ key: string; parent: string; query: string }[]>`
    with replaced as (select unnest(${names}::text[])::regclass::oid as oid),
    -- A key declared on a partitioned table covers its partitions: take the ancestors too.
    -- (pg_partition_ancestors returns nothing for a table that is not partitioned.)
    rels as (select oid from replaced
      union select a.relid from replaced r, pg_partition_ancestors(r.oid) a)
    select c.conrelid::regclass::text || ' ' || c.conname as key, c.confrelid::regclass::text as parent,
      format('select count(*)::int8 as n from %s c where %s and not exists (select 1 from %s p where %s)',
        c.conrelid::regclass, string_agg(format('c.%I is not null', ca.attname), ' and '),
        c.confrelid::regclass, string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' and ')) as query
    from pg_constraint c
    cross join lateral unnest(c.conkey, c.confkey) as k(ck, pk)
    join pg_attribute ca on ca.attrelid = c.conrelid and ca.attnum = k.ck
    join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = k.pk
    where c.contype = 'f' and c.conparentid = 0 and (not ${notValidOnly} or not c.convalidated)
      and (c.conrelid in (select oid from rels) or c.confrelid in (select oid from rels))
    group by c.oid, c.conname, c.conrelid, c.confrelid`;
  const out: Dangling[] = [];
  for (const fk of fks) {
    const [row] = await tx.unsafe<{ n: string }[]>(fk.query);
    out.push({ key: fk.key, parent: fk.parent, rows: Number(row?.n ?? 0) });
  }
  return out;
}

/**
 * Rows that break a NOT VALID foreign key before anything is replaced. The server keeps those
 * (it checks only new rows), so a restore may too: only rows broken beyond these count.
 */
export async function notValidBaseline(
  tx: Tx,
  tables: readonly PlannedTable[],
): Promise<ReadonlyMap<string, number>> {
  return new Map((await dangling(tx, tables, true)).map((d) => [d.key, d.rows]));
}

/** One line per foreign key to or from the replaced tables that the restored rows break. */
export async function foreignKeyViolations(
  tx: Tx,
  tables: readonly PlannedTable[],
  baseline: ReadonlyMap<string, number>,
): Promise<string[]> {
  return (await dangling(tx, tables, false))
    .filter((d) => d.rows > (baseline.get(d.key) ?? 0))
    .map((d) => `${d.key}: ${d.rows} row(s) refer to rows missing from ${d.parent}`);
}
