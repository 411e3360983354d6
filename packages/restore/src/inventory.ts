import type { Sql } from "@tablesnap/dump";

/**
 * What the target database already holds, as the keys pg_dump's entry headers use: an object
 * entry is `TYPE⇥schema⇥tag` (`TRIGGER⇥auth⇥users on_auth_user_created`), and the object a
 * COMMENT or ACL entry is about is `@⇥schema⇥label` (`@⇥auth⇥TABLE users`,
 * `@⇥-⇥EXTENSION citext`), with identifiers quoted in labels as pg_dump quotes them.
 */
export interface Inventory {
  readonly keys: ReadonlySet<string>;
  /** Owner of each object by the same keys (object entries only). */
  readonly owners: ReadonlyMap<string, string>;
}

export const objectKey = (type: string, schema: string, tag: string): string =>
  `${type}\t${schema}\t${tag}`;
export const labelKey = (schema: string, label: string): string => `@\t${schema}\t${label}`;

/**
 * One row per key. Function signatures are formatted with an empty search_path, as pg_dump
 * formats them; `quote_ident` quotes as pg_dump's fmtId does (keywords other than unreserved).
 */
const INVENTORY = `
with rel as (
  select c.oid, n.nspname as s, c.relname as name, c.relkind, c.relrowsecurity, c.relispartition,
    pg_get_userbyid(c.relowner) as owner,
    case c.relkind when 'v' then 'VIEW' when 'm' then 'MATERIALIZED VIEW' when 'S' then 'SEQUENCE'
      when 'f' then 'FOREIGN TABLE' when 'i' then 'INDEX' when 'I' then 'INDEX' else 'TABLE' end as type
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')
), fn as (
  select n.nspname as s, p.proname || '(' || oidvectortypes(p.proargtypes) || ')' as tag,
    quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')' as label,
    case p.prokind when 'p' then 'PROCEDURE' when 'a' then 'AGGREGATE' else 'FUNCTION' end as type,
    pg_get_userbyid(p.proowner) as owner
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
)
select type, s, tag, owner from (
  select type::text, s::text, name::text as tag, owner::text from rel
  union all select 'TABLE', s, name, owner from rel where relkind = 'p'
  union all select '@', s, kind || ' ' || quote_ident(name), owner from rel,
    unnest(array['TABLE', 'VIEW', 'SEQUENCE', 'MATERIALIZED VIEW', 'INDEX', 'FOREIGN TABLE']) kind
  union all select 'ROW SECURITY', s, name, owner from rel where relrowsecurity
  union all select case when relkind in ('i', 'I') then 'INDEX ATTACH' else 'TABLE ATTACH' end,
    s, name, owner from rel where relispartition
  union all select '@', r.s, 'COLUMN ' || quote_ident(r.name) || '.' || quote_ident(a.attname), r.owner
    from rel r join pg_attribute a on a.attrelid = r.oid where a.attnum > 0 and not a.attisdropped
  union all select 'DEFAULT', r.s, r.name || ' ' || a.attname, r.owner
    from rel r join pg_attribute a on a.attrelid = r.oid join pg_attrdef d
      on d.adrelid = a.attrelid and d.adnum = a.attnum
  union all select 'SEQUENCE OWNED BY', r.s, r.name, r.owner from rel r
    where r.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = r.oid
      and d.classid = 'pg_class'::regclass and d.refobjsubid > 0 and d.deptype in ('a', 'i'))
  union all select t, r.s, r.name || ' ' || c.conname, r.owner
    from rel r join pg_constraint c on c.conrelid = r.oid,
      unnest(array['CONSTRAINT', 'FK CONSTRAINT', 'CHECK CONSTRAINT']) t
  union all select '@', r.s, 'CONSTRAINT ' || quote_ident(c.conname) || ' ON ' || quote_ident(r.name), r.owner
    from rel r join pg_constraint c on c.conrelid = r.oid
  union all select 'TRIGGER', r.s, r.name || ' ' || g.tgname, r.owner
    from rel r join pg_trigger g on g.tgrelid = r.oid where not g.tgisinternal
  union all select '@', r.s, 'TRIGGER ' || quote_ident(g.tgname) || ' ON ' || quote_ident(r.name), r.owner
    from rel r join pg_trigger g on g.tgrelid = r.oid where not g.tgisinternal
  union all select 'POLICY', r.s, r.name || ' ' || p.polname, r.owner
    from rel r join pg_policy p on p.polrelid = r.oid
  union all select '@', r.s, 'POLICY ' || quote_ident(p.polname) || ' ON ' || quote_ident(r.name), r.owner
    from rel r join pg_policy p on p.polrelid = r.oid
  union all select 'RULE', r.s, r.name || ' ' || w.rulename, r.owner
    from rel r join pg_rewrite w on w.ev_class = r.oid where w.rulename <> '_RETURN'
  union all select type, s, tag, owner from fn
  union all select '@', s, type || ' ' || label, owner from fn
  union all select '@', s, 'FUNCTION ' || label, owner from fn where type = 'AGGREGATE'
  union all select t, n.nspname, y.typname, pg_get_userbyid(y.typowner)
    from pg_type y join pg_namespace n on n.oid = y.typnamespace, unnest(array['TYPE', 'DOMAIN']) t
    where y.typtype in ('b', 'c', 'd', 'e', 'r', 'm')
  union all select '@', n.nspname, t || ' ' || quote_ident(y.typname), pg_get_userbyid(y.typowner)
    from pg_type y join pg_namespace n on n.oid = y.typnamespace, unnest(array['TYPE', 'DOMAIN']) t
    where y.typtype in ('b', 'c', 'd', 'e', 'r', 'm')
  union all select 'SCHEMA', '-', nspname, pg_get_userbyid(nspowner) from pg_namespace
  union all select '@', '-', 'SCHEMA ' || quote_ident(nspname), pg_get_userbyid(nspowner) from pg_namespace
  union all select 'EXTENSION', '-', extname, pg_get_userbyid(extowner) from pg_extension
  union all select '@', '-', 'EXTENSION ' || quote_ident(extname), pg_get_userbyid(extowner) from pg_extension
  union all select 'EVENT TRIGGER', '-', evtname, pg_get_userbyid(evtowner) from pg_event_trigger
  union all select '@', '-', 'EVENT TRIGGER ' || quote_ident(evtname), pg_get_userbyid(evtowner) from pg_event_trigger
  union all select 'PUBLICATION', '-', pubname, pg_get_userbyid(pubowner) from pg_publication
  union all select '@', '-', 'PUBLICATION ' || quote_ident(pubname), pg_get_userbyid(pubowner) from pg_publication
  union all select 'PUBLICATION TABLE', r.s, p.pubname || ' ' || r.name, pg_get_userbyid(p.pubowner)
    from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid join rel r on r.oid = pr.prrelid
) k`;

/** Reads the inventory in the transaction (or connection) `sql`. */
export async function readInventory(sql: Sql): Promise<Inventory> {
  const rows = await sql.begin(async (tx) => {
    await tx`select set_config('search_path', '', true)`;
    return await tx.unsafe<{ type: string; s: string; tag: string; owner: string }[]>(INVENTORY);
  });
  const keys = new Set<string>();
  const owners = new Map<string, string>();
  for (const r of rows) {
    const key = r.type === "@" ? labelKey(r.s, r.tag) : objectKey(r.type, r.s, r.tag);
    keys.add(key);
    owners.set(key, r.owner);
  }
  return { keys, owners };
}
