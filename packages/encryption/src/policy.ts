import { UsageError } from "@tablesnap/core";

/** What a backup encrypts, as the CLI flags or a target's `encryption` config give it. */
export interface EncryptionSettings {
  /** age X25519 recipients, sorted. */
  readonly recipients: readonly string[];
  /** `schema.table` globs of the tables whose data is encrypted; empty for every table. */
  readonly tables: readonly string[];
  /** Encrypt those tables' `schema.sql` too. */
  readonly schema: boolean;
}

/**
 * Checks `schema.table` globs (`*` any run of characters, `?` one) and returns a matcher. The
 * schema and the table are matched apart, so `public.*` is not a table of schema `public.v1`;
 * a pattern with more dots matches wherever one of them may split it (`public.v1.*`). No pattern
 * matches every table.
 */
export function tableMatcher(
  patterns: readonly string[],
  where = "--encrypt",
): (schema: string, table: string) => boolean {
  const splits = patterns.flatMap((p) => {
    const dots = [...p.matchAll(/\./g)].map((m) => m.index);
    if (dots.length === 0)
      throw new UsageError(
        `${where} ${JSON.stringify(p)}: give schema.table (globs allowed, like public.* or auth.users)`,
      );
    return dots.map((i) => ({ schema: glob(p.slice(0, i)), table: glob(p.slice(i + 1)) }));
  });
  if (splits.length === 0) return () => true;
  return (schema, table) => splits.some((s) => s.schema.test(schema) && s.table.test(table));
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, (c) =>
    c === "*" ? ".*" : c === "?" ? "." : `\\${c}`,
  );
  return new RegExp(`^${body}$`, "s");
}
