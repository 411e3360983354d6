/**
 * Where a line of a pg_dump script ends, lexically: inside a string, a quoted identifier, a
 * dollar-quoted body or a block comment, or in plain SQL. Only a line that starts in plain SQL
 * can be one of pg_dump's entry headers; the same text inside a function body or a comment
 * string is data, not structure.
 */
export type LexState =
  | { readonly kind: "plain" }
  | { readonly kind: "string"; readonly escapes: boolean }
  | { readonly kind: "ident" }
  | { readonly kind: "dollar"; readonly tag: string }
  | { readonly kind: "comment"; readonly depth: number };

export const PLAIN: LexState = { kind: "plain" };

const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** The state after `line` (and its newline), starting from `state`. */
export function scanLine(line: string, state: LexState): LexState {
  let s = state;
  let i = 0;
  while (i < line.length) {
    const c = line[i] ?? "";
    switch (s.kind) {
      case "string":
        if (s.escapes && c === "\\") i += 2;
        else if (c === "'" && line[i + 1] === "'") i += 2;
        else {
          if (c === "'") s = PLAIN;
          i++;
        }
        break;
      case "ident":
        if (c === '"' && line[i + 1] === '"') i += 2;
        else {
          if (c === '"') s = PLAIN;
          i++;
        }
        break;
      case "dollar": {
        const end = line.indexOf(`$${s.tag}$`, i);
        if (end < 0) return s;
        i = end + s.tag.length + 2;
        s = PLAIN;
        break;
      }
      case "comment":
        if (c === "/" && line[i + 1] === "*") {
          s = { kind: "comment", depth: s.depth + 1 };
          i += 2;
        } else if (c === "*" && line[i + 1] === "/") {
          s = s.depth > 1 ? { kind: "comment", depth: s.depth - 1 } : PLAIN;
          i += 2;
        } else i++;
        break;
      case "plain": {
        const prev = i > 0 ? (line[i - 1] ?? "") : "";
        if (c === "-" && line[i + 1] === "-") return s;
        if (c === "/" && line[i + 1] === "*") {
          s = { kind: "comment", depth: 1 };
          i += 2;
        } else if (c === "'") {
          s = { kind: "string", escapes: /[Ee]/.test(prev) && !IDENT_CHAR.test(line[i - 2] ?? "") };
          i++;
        } else if (c === '"') {
          s = { kind: "ident" };
          i++;
        } else if (c === "$" && !IDENT_CHAR.test(prev)) {
          const m = DOLLAR_TAG.exec(line.slice(i));
          if (m) {
            s = { kind: "dollar", tag: m[1] ?? "" };
            i += m[0].length;
          } else i++;
        } else i++;
        break;
      }
    }
  }
  return s;
}
