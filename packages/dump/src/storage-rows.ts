import type { Tx } from "./connect.ts";

/** A `storage.objects` row as Supabase Storage keeps it: what a file of a bucket matches. */
export interface StorageObjectRow {
  readonly id: string;
  readonly bucket_id: string;
  readonly name: string;
}

/**
 * Supabase Storage's `storage.objects` rows, read in `tx` (the run's snapshot); undefined when
 * the database has no such table (not a Supabase project), or its role cannot read it.
 */
export async function readStorageRows(sql: Tx): Promise<StorageObjectRow[] | undefined> {
  const [t] = await sql<{ readable: boolean | null }[]>`
    SELECT has_table_privilege(to_regclass('storage.objects'), 'SELECT') AS readable
    WHERE to_regclass('storage.objects') IS NOT NULL`;
  if (!t?.readable) return undefined;
  return sql<StorageObjectRow[]>`
    SELECT id::text AS id, bucket_id, name FROM storage.objects
    WHERE name IS NOT NULL ORDER BY bucket_id, name`;
}
