/** Always-quoted identifier, for statements we build ourselves. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A pg_dump `-n`/`-t` pattern that matches exactly this name (inside quotes wildcards are literal). */
export function exactPattern(...parts: string[]): string {
  return parts.map(quoteIdent).join(".");
}
