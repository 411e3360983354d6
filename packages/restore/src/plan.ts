import {
  DATABASE_FILE,
  type FileEntry,
  type Manifest,
  type TableEntry,
  TOC_FILE,
} from "@tablesnap/core";
import { dependencies, references } from "./deps.ts";
import { ScriptError } from "./errors.ts";
import { describeEntry, type LeftObject, type ReconciledEntry, reconcile } from "./reconcile.ts";
import type { SchemaScript, ScriptEntry, Section } from "./script.ts";
import { dataFiles } from "./select.ts";
import { SUPABASE_MANAGED_SCHEMAS, SUPABASE_NOT_WRITABLE } from "./supabase.ts";
import { type TargetState, tableKey } from "./target.ts";

/** create: a new table; replace: its rows swapped in one transaction; append: Supabase's own table. */
export type TableMode = "create" | "replace" | "append" | "skip";

export interface PlannedTable {
  readonly table: TableEntry;
  readonly mode: TableMode;
  readonly reason?: string;
  readonly dataFiles: readonly FileEntry[];
}

export type PlannedEntry = ReconciledEntry;

export interface RestorePlan {
  readonly whole: boolean;
  readonly supabase: boolean;
  /** pg_dump's `SET` lines, run on every connection first. */
  readonly preamble: string;
  readonly pre: readonly PlannedEntry[];
  readonly tables: readonly PlannedTable[];
  readonly post: readonly PlannedEntry[];
  /** `sequences.sql` of each restored schema. */
  readonly sequences: readonly { file: string; text: string }[];
  /** Materialized views to refresh last, in pg_dump's order. */
  readonly refresh: readonly { schema: string; name: string }[];
  /** Objects the target already has (or only the platform may make), left as they are. */
  readonly left: readonly LeftObject[];
  /** The application's objects created inside the schemas a Supabase project comes with. */
  readonly inPlatformSchemas: readonly string[];
  /** Objects a partial restore brings along because what it restores needs them. */
  readonly dependencies: readonly string[];
}

export interface PlanInput {
  readonly manifest: Manifest;
  readonly whole: boolean;
  readonly schemas: readonly string[];
  readonly tables: readonly TableEntry[];
  readonly scripts: ReadonlyMap<string, SchemaScript>;
  readonly texts: ReadonlyMap<string, string>;
  readonly target: TargetState;
  readonly supabase: boolean;
  /** A partial restore brings along the types, sequences, functions and schema it needs. */
  readonly withDependencies: boolean;
}

/** Decides what runs, in what order, and what each table gets. */
export function planRestore(i: PlanInput): RestorePlan {
  const tables = i.tables.map((t) => planTable(t, i));
  const scriptFiles = new Set<string>();
  if (i.whole) scriptFiles.add(DATABASE_FILE);
  for (const s of i.manifest.schemas)
    if (i.schemas.includes(s.name)) scriptFiles.add(`${s.path}/schema.sql`);
  // A platform table's own file too: what the target lacks of it (the application's triggers,
  // policies, indexes on it) is restored, what the target has is left.
  for (const t of tables)
    if (t.mode === "create" || t.mode === "append") scriptFiles.add(`${t.table.path}/schema.sql`);
  const toc = i.texts.get(TOC_FILE) ?? "";
  let ordered = inTocOrder(toc, i.scripts, scriptFiles, new Set());
  let brought: readonly string[] = [];
  let broughtValues: { file: string; text: string }[] = [];
  if (!i.whole && i.withDependencies) {
    const deps = dependencies(
      [...ordered["pre-data"], ...ordered["post-data"]],
      schemaLevel(i.scripts),
      i.target.inventory,
    );
    brought = deps.objects;
    broughtValues = sequenceValues(deps.entries, i);
    if (deps.entries.length > 0)
      ordered = inTocOrder(toc, i.scripts, scriptFiles, new Set(deps.entries.map((p) => p.entry)));
  }
  const { inventory, actor } = i.target;
  const first = reconcile(ordered["pre-data"], inventory, actor, i.supabase);
  const second = reconcile(ordered["post-data"], inventory, actor, i.supabase);
  const pre = first.run;
  const post = second.run;
  const left = [...first.left, ...second.left];
  // The schemas a new project comes with, other than the application's public.
  const platformSchemas = new Set(
    [...i.target.schemas].filter(
      (s) => i.supabase && !["public", "information_schema"].includes(s) && !s.startsWith("pg_"),
    ),
  );
  const inPlatformSchemas = [...pre, ...post]
    .filter(
      (p) =>
        platformSchemas.has(p.entry.schema) &&
        !["ACL", "COMMENT", "DEFAULT ACL"].includes(p.entry.type),
    )
    .map((p) => describeEntry(p.entry));
  // A table whose CREATE was left to the platform (and that the target lacks) gets no rows.
  const notCreated = new Map(
    left.filter((l) => l.object.startsWith("TABLE ")).map((l) => [l.object, l.reason]),
  );
  for (const [n, t] of tables.entries()) {
    const reason = notCreated.get(`TABLE ${t.table.schema}.${t.table.name}`);
    if (t.mode === "create" && reason)
      tables[n] = { table: t.table, mode: "skip", reason, dataFiles: [] };
  }
  const populated = i.manifest.materialized_views;
  const refresh = pre
    .filter((p) => p.entry.type === "MATERIALIZED VIEW")
    .map((p) => ({ schema: p.entry.schema, name: p.entry.name }))
    .filter(
      (v) =>
        !populated ||
        populated.some((m) => m.populated && m.schema === v.schema && m.name === v.name),
    );
  const sequences = i.manifest.schemas
    .filter((s) => i.schemas.includes(s.name))
    .filter((s) => !(i.supabase && SUPABASE_MANAGED_SCHEMAS.has(s.name)))
    .map((s) => `${s.path}/sequences.sql`)
    .flatMap((file) => {
      const text = i.texts.get(file);
      return text === undefined ? [] : [{ file, text }];
    })
    .concat(broughtValues);
  const preamble = i.scripts.get(DATABASE_FILE)?.preamble ?? "";
  // A table restored on its own into a database without its schema: create the bare schema.
  const missing = new Set(
    tables
      .filter((t) => t.mode === "create" && !i.target.schemas.has(t.table.schema))
      .map((t) => t.table.schema),
  );
  const bare = [...missing]
    .filter((name) => !pre.some((p) => p.entry.type === "SCHEMA" && p.entry.name === name))
    .map((name) => ({
      file: "(restore)",
      entry: {
        name,
        type: "SCHEMA",
        schema: "-",
        owner: "",
        text: `CREATE SCHEMA "${name.replaceAll('"', '""')}";`,
      },
    }));
  return {
    whole: i.whole,
    supabase: i.supabase,
    preamble,
    pre: [...bare, ...pre],
    tables,
    post,
    sequences,
    refresh,
    left,
    inPlatformSchemas,
    dependencies: brought,
  };
}

function planTable(t: TableEntry, i: PlanInput): PlannedTable {
  const files = dataFiles(t);
  const qualified = `${t.schema}.${t.name}`;
  const exists = i.target.tables.has(tableKey(t.schema, t.name));
  if (i.supabase) {
    const reason = SUPABASE_NOT_WRITABLE.get(qualified);
    if (reason) return { table: t, mode: "skip", reason, dataFiles: [] };
    // A whole restore adds the backup's rows to the tables the new project's platform made (a
    // whole restore finds no other tables); a partial one replaces them, as for any table.
    if (exists) return { table: t, mode: i.whole ? "append" : "replace", dataFiles: files };
  }
  return { table: t, mode: !i.whole && exists ? "replace" : "create", dataFiles: files };
}

/**
 * The `setval` lines of the free sequences a partial restore brought along, from their schema's
 * `sequences.sql` (schemas restored whole replay that file anyway): without them a sequence
 * would start over under rows that already used its values.
 */
function sequenceValues(
  brought: readonly { entry: { type: string; schema: string; name: string } }[],
  i: PlanInput,
): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const { entry } of brought) {
    if (entry.type !== "SEQUENCE" || i.schemas.includes(entry.schema)) continue;
    const schema = i.manifest.schemas.find((s) => s.name === entry.schema);
    const file = schema && `${schema.path}/sequences.sql`;
    const text = file && i.texts.get(file);
    if (!file || !text) continue;
    const lines = text
      .split("\n")
      .filter((l) => /setval\(/.test(l) && references(l).has(`${entry.schema}.${entry.name}`));
    if (lines.length > 0) out.push({ file, text: lines.join("\n") });
  }
  return out;
}

/** The schema-level scripts: `database.sql` and each schema's `schema.sql`, not tables' files. */
function schemaLevel(scripts: ReadonlyMap<string, SchemaScript>): Map<string, SchemaScript> {
  return new Map([...scripts].filter(([file]) => !file.includes("/tables/")));
}

/**
 * The entries of `files` and the `extra` entries of other files, in the order `toc.tsv` gives;
 * every entry of `files` must appear exactly once.
 */
function inTocOrder(
  toc: string,
  scripts: ReadonlyMap<string, SchemaScript>,
  files: ReadonlySet<string>,
  extra: ReadonlySet<ScriptEntry>,
): Record<Section, PlannedEntry[]> {
  const out: Record<Section, PlannedEntry[]> = { "pre-data": [], "post-data": [] };
  const used = new Set<string>();
  for (const line of toc.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const [section, file = "", n = ""] = line.split("\t");
    if ((section !== "pre-data" && section !== "post-data") || !/^\d+$/.test(n))
      throw new ScriptError(`${TOC_FILE}: cannot read line ${JSON.stringify(line)}`);
    if (!files.has(file)) {
      const other = scripts.get(file)?.sections[section][Number(n) - 1];
      if (other && extra.has(other)) out[section].push({ file, entry: other });
      continue;
    }
    const entry = scripts.get(file)?.sections[section][Number(n) - 1];
    if (!entry) throw new ScriptError(`${TOC_FILE}: ${file} has no ${section} entry ${n}`);
    const key = `${section}\t${file}\t${n}`;
    if (used.has(key)) throw new ScriptError(`${TOC_FILE}: ${key} is listed twice`);
    used.add(key);
    out[section].push({ file, entry });
  }
  for (const file of files) {
    const s = scripts.get(file);
    if (!s) throw new ScriptError(`${file}: not read`);
    for (const section of ["pre-data", "post-data"] as const) {
      const missing =
        s.sections[section].length - out[section].filter((p) => p.file === file).length;
      if (missing > 0)
        throw new ScriptError(`${TOC_FILE} leaves out ${missing} ${section} entries of ${file}`);
    }
  }
  return out;
}
