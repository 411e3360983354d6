import type { Manifest } from "@tablesnap/core";
import { connect } from "./connect.ts";
import { localCopier } from "./copier.ts";
/** Parts stay below GitHub's blob limit (the API refuses blobs of about 40 MiB). */
import { DEFAULT_MAX_FILE_BYTES } from "./defaults.ts";
import { runEngine } from "./engine.ts";
import { openSnapshot } from "./snapshot.ts";
import type { BackupOptions } from "./types.ts";

export { DEFAULT_MAX_FILE_BYTES };

/**
 * Backs up one whole database at one point in time into `store`, in this process: per-table
 * schema.sql and data.sql, per-schema schema.sql (and a pg_dump custom archive), database.sql
 * and roles.sql. Returns the manifest; `status` is `partial` when some table or sequence could
 * not be read.
 */
export async function runBackup(o: BackupOptions): Promise<Manifest> {
  const filter = { include: o.includeSchemas, exclude: o.excludeSchemas };
  const { sql, target } = await connect(o.databaseUrl, o.jobs + 1, o.signal);
  try {
    const snap = await openSnapshot(sql, filter);
    try {
      const copier = localCopier({
        ...{ sql, store: o.store, stallMs: o.tableStallMs, onFile: o.onFile },
        parallel: o.jobs,
      });
      return await runEngine({ o, sql, target, snapshot: snap.info, copier });
    } finally {
      await snap.close().catch(() => {});
    }
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}
