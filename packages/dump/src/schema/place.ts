import type { Tx } from "../connect.ts";
import type { DumpEntry } from "./parse.ts";

/** Which file an entry belongs in. */
export type Location =
  | { readonly kind: "table"; readonly oid: number }
  | { readonly kind: "schema"; readonly name: string }
  | { readonly kind: "database" };

export type Section = "pre-data" | "post-data";

export interface PlacedEntry {
  readonly entry: DumpEntry;
  readonly location: Location;
  readonly section: Section;
}

/** pg_dump's post-data object types; COMMENT and SECURITY LABEL follow the object they describe. */
const POST_DATA = new Set([
  "INDEX",
  "INDEX ATTACH",
  "CONSTRAINT",
  "CHECK CONSTRAINT",
  "FK CONSTRAINT",
  "TRIGGER",
  "EVENT TRIGGER",
  "POLICY",
  "ROW SECURITY",
  "RULE",
  "STATISTICS",
  "MATERIALIZED VIEW DATA",
  "PUBLICATION",
  "PUBLICATION TABLE",
  "PUBLICATION TABLES IN SCHEMA",
  "SUBSCRIPTION",
  "ACL",
  "DEFAULT ACL",
]);
const FOLLOWS_PARENT = new Set(["COMMENT", "SECURITY LABEL"]);

interface Resolved {
  table: number | null;
  schema: string | null;
}

/**
 * Puts every entry of the schema dump into exactly one file: a table's own schema.sql when the
 * object belongs to a backed-up table (the table, its owned sequences, defaults, indexes,
 * constraints, triggers, policies, rules, statistics, and comments and grants on them), else its
 * schema's schema.sql, else database.sql. Ownership comes from the catalog by OID.
 */
export async function placeEntries(
  sql: Tx,
  entries: readonly DumpEntry[],
  tableOids: ReadonlySet<number>,
  schemas: ReadonlySet<string>,
): Promise<PlacedEntry[]> {
  const byOid = await resolveByOid(sql, entries);
  const byName = await resolveAttachByName(sql, entries);
  const byId = new Map(entries.map((e) => [e.dumpId, e]));
  const memo = new Map<number, { location: Location; section: Section }>();

  const toLocation = (r: Resolved | undefined): Location | undefined => {
    if (!r) return undefined;
    if (r.table !== null && tableOids.has(r.table)) return { kind: "table", oid: r.table };
    if (r.schema !== null && schemas.has(r.schema)) return { kind: "schema", name: r.schema };
    return undefined;
  };

  const place = (e: DumpEntry, depth: number): { location: Location; section: Section } => {
    const known = memo.get(e.dumpId);
    if (known) return known;
    let location =
      e.oid !== 0 && e.classId !== 0 ? toLocation(byOid.get(key(e.classId, e.oid))) : undefined;
    location ??= toLocation(byName.get(e.dumpId));
    let parentSection: Section | undefined;
    for (const dep of e.deps) {
      const parent = byId.get(dep);
      if (!parent || depth > 20) continue;
      const p = place(parent, depth + 1);
      parentSection ??= p.section;
      if (!location && p.location.kind !== "database") location = p.location;
    }
    const section: Section = POST_DATA.has(e.desc)
      ? "post-data"
      : FOLLOWS_PARENT.has(e.desc)
        ? (parentSection ?? "pre-data")
        : "pre-data";
    const placed = { location: location ?? { kind: "database" as const }, section };
    memo.set(e.dumpId, placed);
    return placed;
  };

  return entries.map((entry) => ({ entry, ...place(entry, 0) }));
}

function key(classId: number, oid: number): string {
  return `${classId}/${oid}`;
}

/** One query for every (class, OID) pair: the table it belongs to and its schema. */
async function resolveByOid(
  sql: Tx,
  entries: readonly DumpEntry[],
): Promise<Map<string, Resolved>> {
  const withOid = entries.filter((e) => e.classId !== 0 && e.oid !== 0);
  if (withOid.length === 0) return new Map();
  const rows = await sql<
    { c: string; o: string; table_oid: string | null; schema_name: string | null }[]
  >`
    select t.c::int8 as c, t.o::int8 as o,
      case t.c
        when 'pg_class'::regclass then (
          select case
            when r.relkind in ('r', 'p') then r.oid
            when r.relkind in ('i', 'I') then (select i.indrelid from pg_index i where i.indexrelid = r.oid)
            when r.relkind = 'S' then (select d.refobjid from pg_depend d where d.classid = 'pg_class'::regclass
              and d.objid = r.oid and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i') limit 1)
          end from pg_class r where r.oid = t.o)
        when 'pg_constraint'::regclass then (select nullif(conrelid, 0) from pg_constraint where oid = t.o)
        when 'pg_trigger'::regclass then (select tgrelid from pg_trigger where oid = t.o)
        when 'pg_policy'::regclass then (select polrelid from pg_policy where oid = t.o)
        when 'pg_attrdef'::regclass then (select adrelid from pg_attrdef where oid = t.o)
        when 'pg_rewrite'::regclass then (select ev_class from pg_rewrite where oid = t.o)
        when 'pg_statistic_ext'::regclass then (select stxrelid from pg_statistic_ext where oid = t.o)
      end::int8 as table_oid,
      case t.c
        when 'pg_namespace'::regclass then (select nspname from pg_namespace where oid = t.o)
        when 'pg_extension'::regclass then (select n.nspname from pg_extension x
          join pg_namespace n on n.oid = x.extnamespace where x.oid = t.o)
        else (pg_identify_object(t.c, t.o, 0)).schema
      end as schema_name
    from unnest(${withOid.map((e) => e.classId)}::oid[], ${withOid.map((e) => e.oid)}::oid[]) as t(c, o)`;
  return new Map(
    rows.map((r) => [
      key(Number(r.c), Number(r.o)),
      { table: r.table_oid === null ? null : Number(r.table_oid), schema: r.schema_name },
    ]),
  );
}

/**
 * TABLE ATTACH and INDEX ATTACH entries carry neither an OID nor dependencies; their tag is the
 * partition (or partition index) name in the header's schema, so look that up.
 */
async function resolveAttachByName(
  sql: Tx,
  entries: readonly DumpEntry[],
): Promise<Map<number, Resolved>> {
  const attach = entries.filter((e) => e.desc === "TABLE ATTACH" || e.desc === "INDEX ATTACH");
  if (attach.length === 0) return new Map();
  const rows = await sql<{ id: string; table_oid: string | null; schema_name: string }[]>`
    select t.id::int8 as id, n.nspname as schema_name,
      (case when c.relkind in ('i', 'I') then (select indrelid from pg_index where indexrelid = c.oid)
            else c.oid end)::int8 as table_oid
    from unnest(${attach.map((e) => e.dumpId)}::int[], ${attach.map((e) => e.schema)}::text[],
                ${attach.map((e) => e.tag)}::text[]) as t(id, nsp, rel)
    join pg_namespace n on n.nspname = t.nsp
    join pg_class c on c.relnamespace = n.oid and c.relname = t.rel`;
  return new Map(
    rows.map((r) => [
      Number(r.id),
      { table: r.table_oid === null ? null : Number(r.table_oid), schema: r.schema_name },
    ]),
  );
}
