import { fileURLToPath } from "node:url";
import { messageOf } from "@tablesnap/core";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as drizzleMigrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { StateStoreError } from "../errors.ts";
import { LOCK_SPACE } from "./locks.ts";

/** The committed SQL migrations (`drizzle-kit generate`). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** Its own bookkeeping table, so another drizzle app in the same database is left alone. */
const MIGRATIONS = { migrationsSchema: "drizzle", migrationsTable: "__tablesnap_migrations" };

/**
 * Brings the state database's schema up to date. Idempotent, and safe when several services start
 * at once: a session advisory lock lets one of them migrate while the others wait, then find
 * nothing left to do.
 */
export async function migrate(url: string): Promise<void> {
  // One connection: the lock is held by the session that runs the migrations.
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${LOCK_SPACE.migrate}, 0)`;
    try {
      await drizzleMigrate(drizzle({ client }), {
        migrationsFolder: MIGRATIONS_FOLDER,
        ...MIGRATIONS,
      });
    } finally {
      // Ending the session releases the lock too, should the connection be gone.
      await client`select pg_advisory_unlock(${LOCK_SPACE.migrate}, 0)`.catch(() => undefined);
    }
  } catch (error) {
    throw new StateStoreError(`state database migration failed: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    await client.end();
  }
}
