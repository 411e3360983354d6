import { type LexState, PLAIN, type Section, scanLine, sectionOfMarker } from "@tablesnap/core";
import { ScriptError } from "./errors.ts";

export type { Section };

/** One object of a schema file: pg_dump's header comment and its SQL. */
export interface ScriptEntry {
  /** The header's fields: `Name: …; Type: …; Schema: …; Owner: …`. */
  readonly name: string;
  readonly type: string;
  readonly schema: string;
  readonly owner: string;
  readonly text: string;
}

export interface SchemaScript {
  /** What precedes the first section marker: pg_dump's `SET` lines in `database.sql`. */
  readonly preamble: string;
  readonly sections: Readonly<Record<Section, readonly ScriptEntry[]>>;
}

const NAME =
  /^-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: (.*?)(?:; Tablespace: .*)?$/;
/** psql meta-commands of pg_dump ≥ 17.6 / 16.10 that protect the script itself; no SQL. */
const RESTRICT = /^\\(un)?restrict [A-Za-z0-9]+$/;

/**
 * Splits a `schema.sql` or `database.sql` of a backup into its entries, by section. Headers count
 * only in plain SQL (never inside strings, bodies or comments); `\restrict` lines are dropped;
 * any other psql meta-command is refused, since it would not be SQL the server can run.
 */
export function parseSchemaScript(file: string, text: string): SchemaScript {
  const lines = text.split("\n");
  const preamble: string[] = [];
  const sections: Record<Section, ScriptEntry[]> = { "pre-data": [], "post-data": [] };
  let section: Section | undefined;
  let current: { head: Omit<ScriptEntry, "text">; body: string[] } | undefined;
  const flush = () => {
    if (current && section)
      sections[section].push({ ...current.head, text: current.body.join("\n") });
    current = undefined;
  };
  let lex: LexState = PLAIN;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (lex.kind === "plain") {
      const marker = sectionOfMarker(line);
      if (marker) {
        flush();
        section = marker;
        continue;
      }
      const name = line === "--" && lines[i + 2] === "--" ? NAME.exec(lines[i + 1] ?? "") : null;
      if (name && section) {
        flush();
        const [, n = "", type = "", schema = "", owner = ""] = name;
        current = { head: { name: n, type, schema, owner }, body: lines.slice(i, i + 3) };
        i += 2;
        continue;
      }
      if (RESTRICT.test(line)) continue;
      if (line.startsWith("\\"))
        throw new ScriptError(
          `${file}, line ${i + 1}: psql meta-command ${JSON.stringify(line.split(" ")[0])} is not supported`,
        );
    }
    lex = scanLine(line, lex);
    if (current) current.body.push(line);
    else if (!section) preamble.push(line);
  }
  flush();
  return { preamble: preamble.join("\n"), sections };
}

/** The first statement of an entry, shortened, for error messages. */
export function statementOf(text: string): string {
  const sql = text
    .split("\n")
    .filter((l) => !l.startsWith("--") && l.trim() !== "")
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  return sql.length > 200 ? `${sql.slice(0, 197)}...` : sql;
}

/** Whether an entry holds any SQL at all (pg_dump writes some that are only comments). */
export function hasSql(text: string): boolean {
  let lex: LexState = PLAIN;
  for (const line of text.split("\n")) {
    const before = lex;
    lex = scanLine(line, lex);
    if (before.kind !== "plain" || lex.kind !== "plain") return true;
    const code = line.replace(/--.*$/, "").trim();
    if (code !== "") return true;
  }
  return false;
}
