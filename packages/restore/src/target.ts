import type { Sql } from "@tablesnap/dump";
import { type Inventory, readInventory } from "./inventory.ts";
import type { Actor } from "./reconcile.ts";
import { SUPABASE_MANAGED_SCHEMAS } from "./supabase.ts";

/** What the target database holds, read before anything is written. */
export interface TargetState {
  readonly database: string;
  readonly superuser: boolean;
  readonly schemas: ReadonlySet<string>;
  /** Tables (plain and partitioned) by `schema\0name`. */
  readonly tables: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  readonly extensions: ReadonlySet<string>;
  /** Supabase's schemas and roles are there. */
  readonly supabaseDetected: boolean;
  /** A few of the user objects (relations, functions, types) outside system and platform schemas. */
  readonly userObjects: readonly string[];
  /** Every object the target holds, keyed as pg_dump's entries name them. */
  readonly inventory: Inventory;
  readonly actor: Actor;
  /** The actor may `SET session_replication_role` (superuser, or GRANT SET ON PARAMETER). */
  readonly canSetReplicationRole: boolean;
}

export const tableKey = (schema: string, name: string): string => `${schema}\0${name}`;

const SYSTEM = ["pg_catalog", "information_schema", "pg_toast"];

export async function inspectTarget(sql: Sql): Promise<TargetState> {
  const [head] = await sql<{ database: string; superuser: boolean }[]>`
    select current_database() as database,
      (select rolsuper from pg_roles where rolname = current_user) as superuser`;
  const schemas = await sql<{ name: string }[]>`
    select nspname as name from pg_namespace
    where nspname not like 'pg\\_temp\\_%' and nspname not like 'pg\\_toast\\_temp\\_%'`;
  const tables = await sql<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name from pg_class c
    join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p')`;
  const [me] = await sql<{ name: string; version: number }[]>`
    select current_user as name, current_setting('server_version_num')::int as version`;
  // Owning objects for a role needs its SET option from PostgreSQL 16 on (not only INHERIT).
  const acting = (me?.version ?? 0) >= 160000 ? "SET" : "USAGE";
  const roles = await sql<{ name: string; super: boolean; acts: boolean }[]>`
    select rolname as name, rolsuper as super, pg_has_role(current_user, oid, ${acting}) as acts
    from pg_roles`;
  // GRANT SET ON PARAMETER exists from PostgreSQL 15 on; before, only a superuser may.
  const [replica] =
    (me?.version ?? 0) >= 150000
      ? await sql<{ ok: boolean }[]>`
          select has_parameter_privilege('session_replication_role', 'SET') as ok`
      : [{ ok: head?.superuser ?? false }];
  const extensions = await sql<{ name: string }[]>`select extname as name from pg_extension`;
  const names = new Set(schemas.map((s) => s.name));
  const roleNames = new Set(roles.map((r) => r.name));
  const supabaseDetected =
    names.has("auth") &&
    names.has("storage") &&
    ["anon", "authenticated", "service_role"].every((r) => roleNames.has(r));
  const skip = [...SYSTEM, ...(supabaseDetected ? SUPABASE_MANAGED_SCHEMAS : [])];
  const objects = await sql<{ what: string }[]>`
    select what from (
      select format('%s %I.%I', case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
          when 'S' then 'sequence' when 'f' then 'foreign table' else 'table' end,
          n.nspname, c.relname) as what, n.nspname as schema
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
        and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
      union all
      select format('function %I.%I', n.nspname, p.proname), n.nspname
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
      union all
      select format('type %I.%I', n.nspname, t.typname), n.nspname
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where (t.typtype in ('e', 'd', 'r', 'm')
          or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))
        and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
    ) o
    where schema <> all(${skip}) and schema not like 'pg\\_temp\\_%' and schema not like 'pg\\_toast%'
    limit 6`;
  return {
    database: head?.database ?? "",
    superuser: head?.superuser ?? false,
    schemas: names,
    tables: new Set(tables.map((t) => tableKey(t.schema, t.name))),
    roles: roleNames,
    extensions: new Set(extensions.map((e) => e.name)),
    supabaseDetected,
    userObjects: objects.map((o) => o.what),
    inventory: await readInventory(sql),
    actor: {
      name: me?.name ?? "",
      superuser: head?.superuser ?? false,
      actsAs: new Set(roles.filter((r) => r.acts).map((r) => r.name)),
      superusers: new Set(roles.filter((r) => r.super).map((r) => r.name)),
    },
    canSetReplicationRole: replica?.ok ?? false,
  };
}
