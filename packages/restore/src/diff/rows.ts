import type { BackupReader } from "../types.ts";

const COPY_LINE = /^COPY (.+?) \((.*)\) FROM stdin;$/;

/** The rows of a table's data files, in file order, one COPY text line each (no newline). */
export async function* dataRows(
  reader: BackupReader,
  paths: readonly string[],
  onColumns: (columns: string[]) => void,
): AsyncIterable<string> {
  for (const path of paths) {
    let inData = false;
    for await (const line of lines(reader.read(path))) {
      if (!inData) {
        const m = COPY_LINE.exec(line);
        if (m) {
          onColumns(splitIdentifiers(m[2] ?? ""));
          inData = true;
        }
        continue;
      }
      if (line === "\\.") break;
      yield line;
    }
  }
}

/** `a, "b, c", d` → [`a`, `"b, c"`, `d`]: pg_dump's column list, quotes kept. */
export function splitIdentifiers(list: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i] ?? "";
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

/** The primary key's columns as a table's schema.sql declares them, or null when it has none. */
export function primaryKeyOf(schemaSql: string): string[] | null {
  const m =
    /ADD CONSTRAINT (?:"(?:[^"]|"")*"|\S+) PRIMARY KEY \(((?:[^()"]|"(?:[^"]|"")*")*)\)/.exec(
      schemaSql,
    );
  return m ? splitIdentifiers(m[1] ?? "") : null;
}

/** UTF-8 lines of a byte stream, without their newline; memory is one line and one chunk. */
async function* lines(source: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const chunk of source) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    carry = parts.pop() ?? "";
    yield* parts;
  }
  carry += decoder.decode();
  if (carry !== "") yield carry;
}
