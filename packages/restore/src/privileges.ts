import type { Tx } from "@tablesnap/dump";

/**
 * pg_dump writes an object's privileges as GRANTs and REVOKEs against PostgreSQL's built-in
 * defaults (or the initial privileges of `pg_init_privs`). They give the source's privileges
 * only on an object that starts from those defaults; these helpers make sure it does.
 */

const OBJTYPE: Readonly<Record<string, string>> = {
  r: "TABLES",
  S: "SEQUENCES",
  f: "FUNCTIONS",
  T: "TYPES",
  n: "SCHEMAS",
};
/** What a global default-privileges row holds when it is PostgreSQL's built-in one. */
const BUILT_IN_TO_PUBLIC: Readonly<Record<string, string>> = { f: "EXECUTE", T: "USAGE" };

interface DefaultAclItem {
  readonly schema: string | null;
  readonly objtype: string;
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/**
 * Takes away the restoring role's own default privileges for the rest of the transaction, so the
 * objects it creates start from PostgreSQL's defaults (a Supabase project grants `anon` and
 * `authenticated` everything on new tables and functions in `public`; a restored table whose
 * grants the source had revoked must not get them back). Returns the statements that put them
 * back as they were, for a restore that does not bring the backup's own default privileges.
 */
export async function clearOwnDefaultPrivileges(tx: Tx): Promise<string> {
  const items = await tx<DefaultAclItem[]>`
    select quote_ident(n.nspname) as schema, d.defaclobjtype as objtype,
      case when a.grantee = 0 then 'PUBLIC' else quote_ident(g.rolname) end as grantee,
      a.privilege_type as privilege, a.is_grantable as grantable
    from pg_default_acl d
      left join pg_namespace n on n.oid = d.defaclnamespace
      cross join lateral aclexplode(d.defaclacl) a
      left join pg_roles g on g.oid = a.grantee
    where d.defaclrole = (select oid from pg_roles where rolname = current_user)
    order by 1, 2, 3, 4`;
  if (items.length === 0) return "";
  const clear: string[] = [];
  const restore: string[] = [];
  const rows = new Map<string, DefaultAclItem[]>();
  for (const i of items) {
    const key = `${i.schema ?? ""}\0${i.objtype}`;
    rows.set(key, [...(rows.get(key) ?? []), i]);
  }
  for (const list of rows.values()) {
    const first = list[0] as DefaultAclItem;
    const on = OBJTYPE[first.objtype];
    if (!on) continue;
    const scope = `ALTER DEFAULT PRIVILEGES${first.schema === null ? "" : ` IN SCHEMA ${first.schema}`}`;
    const builtIn =
      first.schema === null
        ? [
            `${scope} GRANT ALL ON ${on} TO CURRENT_USER`,
            ...(BUILT_IN_TO_PUBLIC[first.objtype]
              ? [`${scope} GRANT ${BUILT_IN_TO_PUBLIC[first.objtype]} ON ${on} TO PUBLIC`]
              : []),
          ]
        : [];
    for (const g of new Set(list.map((i) => i.grantee)))
      clear.push(`${scope} REVOKE ALL ON ${on} FROM ${g}`);
    clear.push(...builtIn);
    // Putting a global row back: from the built-in state to exactly the row's items.
    if (first.schema === null) {
      restore.push(`${scope} REVOKE ALL ON ${on} FROM CURRENT_USER`);
      if (BUILT_IN_TO_PUBLIC[first.objtype])
        restore.push(`${scope} REVOKE ALL ON ${on} FROM PUBLIC`);
    }
    for (const i of list)
      restore.push(
        `${scope} GRANT ${i.privilege} ON ${on} TO ${i.grantee}${i.grantable ? " WITH GRANT OPTION" : ""}`,
      );
  }
  await tx.unsafe(clear.map((s) => `${s};`).join("\n"));
  return restore.map((s) => `${s};`).join("\n");
}

/** An object an ACL entry is about: its kind in GRANT syntax and pg_dump's label of it. */
interface AclObject {
  readonly kind: "TABLE" | "SEQUENCE" | "FUNCTION" | "PROCEDURE" | "SCHEMA" | "TYPE" | "DOMAIN";
  /** The object as pg_dump names it in the label: `users`, `"My Table"`, `f(a integer)`. */
  readonly label: string;
}

const KINDS = ["TABLE", "SEQUENCE", "FUNCTION", "PROCEDURE", "SCHEMA", "TYPE", "DOMAIN"] as const;

/** The object of an ACL entry named `TABLE users`, or null for kinds a reset does not cover. */
export function aclObject(name: string): AclObject | null {
  for (const kind of KINDS)
    if (name.startsWith(`${kind} `)) return { kind, label: name.slice(kind.length + 1) };
  return null;
}

/**
 * Statements that bring an existing object's privileges back to where pg_dump's ACL entry starts
 * from: everything revoked, then its initial privileges (`pg_init_privs`, the initial owner's
 * share given to the current owner, as pg_dump reads them) or PostgreSQL's defaults granted.
 * Null when the object is not found.
 */
export async function aclResetStatements(
  tx: Tx,
  schema: string,
  o: AclObject,
): Promise<string | null> {
  const [row] = await tx<{ ref: string; current: string[] | null; baseline: string[] | null }[]>`
    with obj as (
      select c.oid, c.relowner as owner, 'pg_class'::regclass as cls, quote_ident(n.nspname) || '.' || ${o.label} as ref,
        coalesce(c.relacl, acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner)) as acl,
        acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner) as dflt
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${o.kind} in ('TABLE', 'SEQUENCE') and n.nspname = ${schema}
        and quote_ident(c.relname) = ${o.label}
      union all
      select p.oid, p.proowner, 'pg_proc'::regclass, quote_ident(n.nspname) || '.' || ${o.label},
        coalesce(p.proacl, acldefault('f', p.proowner)), acldefault('f', p.proowner)
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where ${o.kind} in ('FUNCTION', 'PROCEDURE') and n.nspname = ${schema}
        and quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')' = ${o.label}
      union all
      select n.oid, n.nspowner, 'pg_namespace'::regclass, ${o.label},
        coalesce(n.nspacl, acldefault('n', n.nspowner)), acldefault('n', n.nspowner)
      from pg_namespace n where ${o.kind} = 'SCHEMA' and quote_ident(n.nspname) = ${o.label}
      union all
      select t.oid, t.typowner, 'pg_type'::regclass, quote_ident(n.nspname) || '.' || ${o.label},
        coalesce(t.typacl, acldefault('T', t.typowner)), acldefault('T', t.typowner)
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where ${o.kind} in ('TYPE', 'DOMAIN') and n.nspname = ${schema}
        and quote_ident(t.typname) = ${o.label}
    )
    select ref,
      (select array_agg(distinct case when a.grantee = 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(a.grantee)) end)
        from aclexplode(acl) a) as current,
      (select array_agg(a.privilege_type || ' ' || case when a.grantee = 0 then 'PUBLIC'
          when a.grantee = a.grantor then quote_ident(pg_get_userbyid(obj.owner))
          else quote_ident(pg_get_userbyid(a.grantee)) end || case when a.is_grantable then ' WITH GRANT OPTION' else '' end)
        from aclexplode(coalesce((select i.initprivs from pg_init_privs i
          where i.objoid = obj.oid and i.classoid = obj.cls and i.objsubid = 0), dflt)) a) as baseline
    from obj limit 1`;
  if (!row) return null;
  const on = o.kind === "DOMAIN" ? "DOMAIN" : o.kind;
  const revoke = (row.current ?? []).map(
    (g) => `REVOKE ALL ON ${on} ${row.ref} FROM ${g} CASCADE;`,
  );
  const grant = (row.baseline ?? []).map((p) => {
    const [privilege, ...rest] = p.split(" ");
    return `GRANT ${privilege} ON ${on} ${row.ref} TO ${rest.join(" ")};`;
  });
  return [...revoke, ...grant].join("\n");
}
