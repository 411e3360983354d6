import { type LexState, PLAIN, scanLine } from "@tablesnap/core";

/** One TOC entry of a plain-format `pg_dump -v` script. */
export interface DumpEntry {
  readonly dumpId: number;
  readonly classId: number;
  readonly oid: number;
  readonly deps: readonly number[];
  /** pg_dump's object type: TABLE, INDEX, FK CONSTRAINT, COMMENT, ACL, … */
  readonly desc: string;
  /** pg_dump's tag (names unquoted except where pg_dump quotes them, e.g. in COMMENT tags). */
  readonly tag: string;
  /** The schema field of the header, `-` for none. */
  readonly schema: string;
  /** The entry exactly as a non-verbose pg_dump prints it: header comment, then its SQL. */
  readonly text: string;
}

export interface ParsedDump {
  /** Everything before the first entry (SET lines, comments), without `\restrict` and timing lines. */
  readonly preamble: string;
  readonly entries: readonly DumpEntry[];
  /** Everything after the last entry's SQL, without `\unrestrict` and timing lines. */
  readonly trailer: string;
}

const TOC = /^-- TOC entry (\d+) \(class (\d+) OID (\d+)\)$/;
const DEPS = /^-- Dependencies:((?: \d+)+)$/;
const NAME =
  /^-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: (.*?)(?:; Tablespace: .*)?$/;
/** Lines a verbose run adds that change from run to run; never stored. */
const VOLATILE = /^(-- Started on |-- Completed on |\\restrict |\\unrestrict )/;
const TRAILER_START = /^-- (Completed on |PostgreSQL database dump complete$)/;

/**
 * Splits a `pg_dump -v` plain script into its TOC entries. The verbose header of each entry
 * (`-- TOC entry N (class C OID O)`, `-- Dependencies: …`) says exactly which catalog object it
 * is, so nothing is guessed from names; the stored text leaves those lines out, so the files are
 * the same as a non-verbose pg_dump's and do not change when unrelated objects are added.
 */
export function parseDump(script: string): ParsedDump {
  const lines = script.split("\n");
  const entries: DumpEntry[] = [];
  const preamble: string[] = [];
  let trailerAt = lines.length;
  let current: { head: Omit<DumpEntry, "text">; nameLine: string; body: string[] } | undefined;

  const flush = () => {
    if (!current) return;
    const text = `--\n${current.nameLine}\n--\n${current.body.join("\n")}\n`;
    entries.push({ ...current.head, text });
    current = undefined;
  };

  let lex: LexState = PLAIN;
  for (let i = 0; i < lines.length; i++) {
    // Headers and the trailer count only outside strings, bodies and comments.
    const header = lex.kind === "plain" ? readHeader(lines, i) : undefined;
    if (header) {
      flush();
      current = { head: header.head, nameLine: header.nameLine, body: [] };
      i = header.next - 1;
      continue;
    }
    const line = lines[i] ?? "";
    if (
      lex.kind === "plain" &&
      (TRAILER_START.test(line) || (line === "--" && TRAILER_START.test(lines[i + 1] ?? "")))
    ) {
      trailerAt = i;
      break;
    }
    lex = scanLine(line, lex);
    if (current) current.body.push(line);
    else if (!VOLATILE.test(line)) preamble.push(line);
  }
  flush();
  const trailer = lines.slice(trailerAt).filter((l) => !VOLATILE.test(l));
  return {
    preamble: trimEnd(preamble.join("\n")),
    entries: entries.map(trimEntry),
    trailer: trailer.join("\n"),
  };
}

function readHeader(lines: readonly string[], i: number) {
  if (lines[i] !== "--") return undefined;
  const toc = TOC.exec(lines[i + 1] ?? "");
  if (!toc) return undefined;
  let j = i + 2;
  const deps = DEPS.exec(lines[j] ?? "");
  if (deps) j++;
  const nameLine = lines[j] ?? "";
  const name = NAME.exec(nameLine);
  if (!name || lines[j + 1] !== "--") return undefined;
  return {
    next: j + 2,
    nameLine,
    head: {
      dumpId: Number(toc[1]),
      classId: Number(toc[2]),
      oid: Number(toc[3]),
      deps: deps?.[1] ? deps[1].trim().split(" ").map(Number) : [],
      tag: name[1] ?? "",
      desc: name[2] ?? "",
      schema: name[3] ?? "-",
    },
  };
}

/** Entries end with the blank lines pg_dump puts between entries; keep exactly two newlines. */
function trimEntry(e: DumpEntry): DumpEntry {
  return { ...e, text: `${trimEnd(e.text)}\n\n` };
}

function trimEnd(s: string): string {
  return s.replace(/\n+$/, "\n");
}
