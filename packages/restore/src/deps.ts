import { type Inventory, objectKey } from "./inventory.ts";
import type { ReconciledEntry } from "./reconcile.ts";
import type { SchemaScript } from "./script.ts";

/** Kinds of objects a table (or another such object) can need before it can be created. */
const NEEDED = new Set([
  "SCHEMA",
  "TYPE",
  "DOMAIN",
  "SEQUENCE",
  "FUNCTION",
  "PROCEDURE",
  "AGGREGATE",
  "COLLATION",
]);
/** Entries that follow an object they are about (its grants, its comment). */
const FOLLOWERS = new Set(["ACL", "COMMENT"]);

const IDENT = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
/** `schema.name` as pg_dump writes references (always qualified outside pg_catalog). */
const QUALIFIED = new RegExp(`(${IDENT})\\.(${IDENT})`, "g");

const unquote = (id: string): string =>
  id.startsWith('"') ? id.slice(1, -1).replaceAll('""', '"') : id.toLowerCase();

/** Every `schema.name` a text mentions, in code or in strings (`nextval('public.seq'::regclass)`). */
export function references(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(QUALIFIED))
    out.add(`${unquote(m[1] ?? "")}.${unquote(m[2] ?? "")}`);
  return out;
}

/** What a partial restore brings along, and the entries to run for it. */
export interface Dependencies {
  /** The objects' entries and their grants and comments, in no particular order. */
  readonly entries: readonly ReconciledEntry[];
  /** `DOMAIN public.year`, in the order found. */
  readonly objects: readonly string[];
}

/**
 * The objects the planned entries need that the target lacks and the backup has, found by the
 * qualified names pg_dump writes into their SQL (types, domains, sequences, functions used by
 * columns, defaults, checks and policies, and the schemas they live in), with what those need
 * in turn, and each one's grants and comment. An extension comes along when a type of its own
 * name is used (`extensions.citext`); one needed otherwise fails the restore, naming what is
 * missing.
 */
export function dependencies(
  planned: readonly ReconciledEntry[],
  scripts: ReadonlyMap<string, SchemaScript>,
  inv: Inventory,
): Dependencies {
  const byName = new Map<string, ReconciledEntry[]>();
  const schemas = new Map<string, ReconciledEntry[]>();
  for (const [file, script] of scripts) {
    for (const entry of script.sections["pre-data"]) {
      const p = { file, entry };
      if (entry.type === "SCHEMA") schemas.set(entry.name, [p]);
      else if (entry.type === "EXTENSION") {
        // An extension's objects are not entries; its type of its own name is how a table
        // needs it (`extensions.citext`, `public.hstore`).
        const schema = extensionSchema(entry.text);
        if (schema) byName.set(`${schema}.${entry.name}`, [p]);
      } else if (NEEDED.has(entry.type)) {
        const key = `${entry.schema}.${entry.name.replace(/\(.*$/s, "")}`;
        byName.set(key, [...(byName.get(key) ?? []), p]);
      }
    }
  }
  const have = new Set(planned.map((p) => p.entry));
  const found: ReconciledEntry[] = [];
  const queue = [...planned];
  const take = (p: ReconciledEntry) => {
    if (have.has(p.entry) || inv.keys.has(objectKey(p.entry.type, p.entry.schema, p.entry.name)))
      return;
    have.add(p.entry);
    found.push(p);
    queue.push(p);
  };
  for (let p = queue.shift(); p; p = queue.shift()) {
    const home = p.entry.type === "EXTENSION" ? extensionSchema(p.entry.text) : p.entry.schema;
    if (home && home !== "-") for (const s of schemas.get(home) ?? []) take(s);
    for (const ref of references(p.entry.text)) for (const d of byName.get(ref) ?? []) take(d);
  }
  const followers: ReconciledEntry[] = [];
  for (const [file, script] of scripts)
    for (const section of ["pre-data", "post-data"] as const)
      for (const entry of script.sections[section])
        if (FOLLOWERS.has(entry.type) && !have.has(entry) && about(entry, found))
          followers.push({ file, entry });
  return {
    entries: [...found, ...followers],
    objects: found.map(
      (p) => `${p.entry.type} ${p.entry.schema === "-" ? "" : `${p.entry.schema}.`}${p.entry.name}`,
    ),
  };
}

/** The schema of `CREATE EXTENSION … WITH SCHEMA s`. */
function extensionSchema(text: string): string | null {
  const m = new RegExp(`WITH SCHEMA (${IDENT})`).exec(text);
  return m ? unquote(m[1] ?? "") : null;
}

/** Whether a grant or comment entry is about one of `objects` (an overload is another object). */
function about(
  e: { type: string; schema: string; name: string },
  objects: readonly ReconciledEntry[],
) {
  return objects.some((o) => {
    const label = e.name.replace(
      /^(TABLE|SEQUENCE|FUNCTION|PROCEDURE|AGGREGATE|TYPE|DOMAIN|SCHEMA) /,
      "",
    );
    const kind = e.name.slice(0, e.name.length - label.length - 1);
    const sameKind = kind === o.entry.type || (kind === "TABLE" && o.entry.type === "SEQUENCE");
    const schema = o.entry.type === "SCHEMA" ? "-" : o.entry.schema;
    if (!sameKind || e.schema !== schema) return false;
    if (!o.entry.name.includes("(")) return unquote(label) === o.entry.name;
    return sameRoutine(label, o.entry.name);
  });
}

/**
 * `f(a integer, OUT b text)` (a label: identity arguments, with names) against `f(integer)` (an
 * entry: input types only): the same name and the same input types, in order.
 */
function sameRoutine(label: string, entry: string): boolean {
  const split = (sig: string) => {
    const open = sig.indexOf("(");
    const args = sig.slice(open + 1, sig.lastIndexOf(")")).trim();
    return { name: sig.slice(0, open), args: args === "" ? [] : args.split(", ") };
  };
  const l = split(label);
  const t = split(entry);
  const inputs = l.args.filter((a) => !a.startsWith("OUT "));
  return (
    unquote(l.name) === t.name &&
    inputs.length === t.args.length &&
    inputs.every((a, n) => a === t.args[n] || a.endsWith(` ${t.args[n]}`))
  );
}
