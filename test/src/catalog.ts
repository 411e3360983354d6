import type postgres from "postgres";

/**
 * An independent oracle for "the restore equals the source": facts read from the catalog, one
 * sorted list per class, with no OIDs in them, so two databases compare with `toEqual`.
 * Privileges are compared as PostgreSQL applies them (`aclexplode` of the ACL or its default),
 * so a GRANT that is there but should not be shows up, whatever statements made it.
 */
export type CatalogFacts = Record<string, string[]>;

const QUERIES: Record<string, string> = {
  relations: `select n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' owner=' || pg_get_userbyid(c.relowner)
      || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r','p','v','m','S','f')`,
  table_privileges: `select n.nspname || '.' || c.relname || ' ' || coalesce(pg_get_userbyid(a.grantee), 'PUBLIC')
      || ' ' || a.privilege_type || case when a.is_grantable then '*' else '' end
    from pg_class c join pg_namespace n on n.oid = c.relnamespace,
      aclexplode(coalesce(c.relacl, acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))) a
    where c.relkind in ('r','p','v','m','S','f')`,
  column_privileges: `select n.nspname || '.' || c.relname || '.' || t.attname || ' ' || coalesce(pg_get_userbyid(a.grantee), 'PUBLIC') || ' ' || a.privilege_type
    from pg_attribute t join pg_class c on c.oid = t.attrelid join pg_namespace n on n.oid = c.relnamespace,
      aclexplode(t.attacl) a where t.attacl is not null`,
  function_privileges: `select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
      || coalesce(pg_get_userbyid(a.grantee), 'PUBLIC') || ' ' || a.privilege_type
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
      aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a`,
  schema_privileges: `select n.nspname || ' owner=' || pg_get_userbyid(n.nspowner) || ' ' || coalesce(pg_get_userbyid(a.grantee), 'PUBLIC') || ' ' || a.privilege_type
    from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a`,
  type_privileges: `select n.nspname || '.' || t.typname || ' ' || coalesce(pg_get_userbyid(a.grantee), 'PUBLIC') || ' ' || a.privilege_type
    from pg_type t join pg_namespace n on n.oid = t.typnamespace,
      aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a where t.typtype in ('d', 'e', 'r', 'm', 'b')`,
  default_privileges: `select pg_get_userbyid(d.defaclrole) || ' ' || coalesce(n.nspname, '*') || ' ' || d.defaclobjtype::text || ' '
      || coalesce(pg_get_userbyid(a.grantee), 'PUBLIC') || ' ' || a.privilege_type
    from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a`,
  policies: `select schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive || ' ' || cmd || ' '
      || array_to_string(roles, ',') || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
    from pg_policies`,
  triggers: `select n.nspname || '.' || c.relname || ' ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal`,
  functions: `select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') owner='
      || pg_get_userbyid(p.proowner) || ' ' || md5(pg_get_functiondef(p.oid))
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace where p.prokind in ('f', 'p')`,
  views: `select schemaname || '.' || viewname || ' ' || md5(definition) from pg_views
    union all select c.relnamespace::regnamespace || '.' || c.relname || ' ' || coalesce(array_to_string(c.reloptions, ','), '')
    from pg_class c where c.relkind = 'v'`,
  types: `select n.nspname || '.' || t.typname || ' ' || t.typtype::text || ' '
      || coalesce((select string_agg(enumlabel, ',' order by enumsortorder) from pg_enum where enumtypid = t.oid), '')
    from pg_type t join pg_namespace n on n.oid = t.typnamespace where t.typtype in ('d', 'e', 'r', 'm')`,
  constraints: `select n.nspname || '.' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace`,
  indexes: `select schemaname || '.' || tablename || ' ' || indexdef from pg_indexes`,
  comments: `select d.classoid::regclass || ' ' || coalesce(pg_describe_object(d.classoid, d.objoid, d.objsubid), '?') || ' ' || d.description
    from pg_description d where d.classoid <> 'pg_proc'::regclass or d.objoid >= 16384`,
  sequences: `select schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, 'null') from pg_sequences`,
  publication_tables: `select pubname || ' ' || schemaname || '.' || tablename from pg_publication_tables`,
  extensions: `select extname || ' ' || extversion || ' ' || extnamespace::regnamespace from pg_extension`,
  event_triggers: `select evtname || ' ' || evtevent || ' ' || pg_get_userbyid(evtowner) from pg_event_trigger`,
};

/** Every class of {@link QUERIES}, read from one database (objects of system schemas left out). */
export async function catalogFacts(sql: postgres.Sql): Promise<CatalogFacts> {
  const out: CatalogFacts = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    const rows = await sql.unsafe<{ fact: string }[]>(`select f as fact from (${query}) x(f)
      where f !~ '^(pg_catalog|information_schema|pg_toast)\\.' order by 1`);
    out[name] = rows.map((r) => r.fact);
  }
  return out;
}

/** `md5` of every row of every table (sorted), by `schema.table`: the rows compared without order. */
export async function tableDigests(sql: postgres.Sql): Promise<Record<string, string>> {
  const tables = await sql<{ q: string; name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as q, n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')
      and n.nspname not like 'pg\\_toast%' order by 2`;
  const out: Record<string, string> = {};
  for (const t of tables) {
    const [row] = await sql.unsafe<{ d: string; n: number }[]>(
      `select count(*)::int as n, md5(coalesce(string_agg(x, E'\\n' order by x), '')) as d
       from (select t::text as x from ${t.q} t) s`,
    );
    out[t.name] = `${row?.n ?? 0} rows ${row?.d ?? ""}`;
  }
  return out;
}
