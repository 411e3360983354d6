import type { Sql } from "@tablesnap/dump";
import type { TargetState } from "./target.ts";

/**
 * Drops what a failed parallel whole restore created, in one transaction: the schemas and
 * extensions that were not there before, and every relation, routine and type in the schemas
 * that were (a whole restore starts from a target with none of those, so they are all ours).
 */
export async function undoWholeRestore(sql: Sql, before: TargetState): Promise<void> {
  await sql.begin(async (tx) => {
    const schemas = await tx<{ name: string }[]>`select nspname as name from pg_namespace`;
    for (const s of schemas.filter((x) => !before.schemas.has(x.name)))
      await tx.unsafe(`DROP SCHEMA IF EXISTS "${s.name.replaceAll('"', '""')}" CASCADE`);
    const exts = await tx<{ name: string }[]>`select extname as name from pg_extension`;
    for (const e of exts.filter((x) => !before.extensions.has(x.name)))
      await tx.unsafe(`DROP EXTENSION IF EXISTS "${e.name.replaceAll('"', '""')}" CASCADE`);
    const drops = await tx<{ stmt: string }[]>`
      select stmt from (
        select format('DROP %s IF EXISTS %s CASCADE', case c.relkind when 'v' then 'VIEW'
            when 'm' then 'MATERIALIZED VIEW' when 'S' then 'SEQUENCE' when 'f' then 'FOREIGN TABLE'
            else 'TABLE' end, c.oid::regclass) as stmt, c.relnamespace as ns, c.oid, 1 as ord
        from pg_class c where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
        union all
        select format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure), p.pronamespace, p.oid, 2
        from pg_proc p
        union all
        select format('DROP TYPE IF EXISTS %s CASCADE', t.oid::regtype), t.typnamespace, t.oid, 3
        from pg_type t where t.typtype in ('e', 'd', 'r', 'm')
          or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c')
      ) o join pg_namespace n on n.oid = o.ns
      where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
        and not exists (select 1 from pg_depend d where d.objid = o.oid and d.deptype = 'e')
      order by ord`;
    for (const d of drops) await tx.unsafe(d.stmt);
  });
}
