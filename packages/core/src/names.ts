/**
 * Folder names for schemas and tables. A name made only of lowercase ASCII letters, digits,
 * `_` and `-` is its own folder name. Any other name is percent-encoded byte by byte (UTF-8,
 * lowercase hex), which is reversible, safe on every file system (no `/`, `\`, `:`, `*`, `?`,
 * `"`, `<`, `>`, `|`, no control characters, no trailing dot or space) and unique even on
 * case-insensitive file systems, because upper-case letters are always encoded. Names that are
 * reserved on Windows (`con`, `nul`, `com1`, …) are encoded too.
 */
const PLAIN = /^[a-z0-9_-]+$/;
const KEEP = /^[a-z0-9_-]$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

export function toFolderName(name: string): string {
  if (name.length === 0) return "%";
  if (PLAIN.test(name) && !WINDOWS_RESERVED.test(name)) return name;
  let out = "";
  let first = true;
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte);
    // The first character is always encoded for reserved names so `con` becomes `%63on`.
    const keep = KEEP.test(ch) && !(first && WINDOWS_RESERVED.test(name));
    out += keep ? ch : `%${byte.toString(16).padStart(2, "0")}`;
    first = false;
  }
  return out;
}

export function fromFolderName(folder: string): string {
  if (folder === "%") return "";
  const bytes: number[] = [];
  for (let i = 0; i < folder.length; i++) {
    if (folder[i] === "%") {
      const hex = folder.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) throw new Error(`not a tablesnap folder name: ${folder}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(folder.charCodeAt(i));
    }
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
}

/** Makes a free-form value (a repo name, a user, a ref) safe as part of an archive folder name. */
export function safeSegment(value: string, maxLength = 60): string {
  const cleaned = value
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return (cleaned || "unknown").slice(0, maxLength).replace(/[-.]+$/g, "");
}
