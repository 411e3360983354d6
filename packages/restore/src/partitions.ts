import type { TableEntry } from "@tablesnap/core";
import type { SchemaScript } from "./script.ts";

/**
 * Adds the partitions (at any depth) of every partitioned table in `tables`. The manifest names no
 * parent, so a partition belongs to a table when its `TABLE ATTACH` entry attaches it there.
 */
export function withPartitions(
  all: readonly TableEntry[],
  tables: readonly TableEntry[],
  scriptOf: (t: TableEntry) => SchemaScript | undefined,
): TableEntry[] {
  const picked = new Set(tables);
  let grew = true;
  while (grew) {
    grew = false;
    for (const parent of [...picked].filter((t) => t.kind === "partitioned")) {
      const names = qualifiedForms(parent.schema, parent.name);
      for (const child of all) {
        if (picked.has(child) || child.kind === "table") continue;
        const attach = scriptOf(child)?.sections["pre-data"].find((e) => e.type === "TABLE ATTACH");
        if (
          attach &&
          names.some((n) => attach.text.includes(`ALTER TABLE ONLY ${n} ATTACH PARTITION`))
        ) {
          picked.add(child);
          grew = true;
        }
      }
    }
  }
  return all.filter((t) => picked.has(t));
}

/** How pg_dump may have written `schema.name`: plain where it can, quoted otherwise. */
function qualifiedForms(schema: string, name: string): string[] {
  const forms = (id: string) => {
    const quoted = `"${id.replaceAll('"', '""')}"`;
    return /^[a-z_][a-z0-9_$]*$/.test(id) ? [id, quoted] : [quoted];
  };
  return forms(schema).flatMap((s) => forms(name).map((n) => `${s}.${n}`));
}

/** `"schema"."name"`, always quoted: valid whatever the name. */
export function quoteQualified(schema: string, name: string): string {
  return `"${schema.replaceAll('"', '""')}"."${name.replaceAll('"', '""')}"`;
}
