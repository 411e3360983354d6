import type { ScriptEntry } from "./script.ts";

/**
 * Schemas the Supabase platform creates and migrates itself: their DDL is never recreated, their
 * data is loaded into the tables the platform made.
 */
export const SUPABASE_MANAGED_SCHEMAS: ReadonlySet<string> = new Set([
  "auth",
  "storage",
  "realtime",
  "_realtime",
  "supabase_functions",
  "supabase_migrations",
  "extensions",
  "graphql",
  "graphql_public",
  "pgbouncer",
  "pgsodium",
  "pgsodium_masks",
  "vault",
  "net",
  "cron",
  "_analytics",
]);

/** Roles the platform owns; a restore never creates, alters or grants them anything. */
export const SUPABASE_RESERVED_ROLES: ReadonlySet<string> = new Set([
  "postgres",
  "anon",
  "authenticated",
  "service_role",
  "authenticator",
  "dashboard_user",
  "pgbouncer",
  "supabase_admin",
  "supabase_auth_admin",
  "supabase_storage_admin",
  "supabase_functions_admin",
  "supabase_replication_admin",
  "supabase_read_only_user",
  "supabase_realtime_admin",
  "supabase_etl_admin",
  "pgsodium_keyholder",
  "pgsodium_keyiduser",
  "pgsodium_keymaker",
]);

/** Tables whose rows cannot be written into another project, with the reason for the report. */
export const SUPABASE_NOT_WRITABLE: ReadonlyMap<string, string> = new Map([
  ["vault.secrets", "encrypted with the source project's root key; recreate the secrets"],
  ["vault.decrypted_secrets", "a view over vault.secrets"],
  ["pgsodium.key", "keys belong to the source project's pgsodium root key"],
  ["auth.schema_migrations", "the platform's own migration state is kept"],
  ["storage.migrations", "the platform's own migration state is kept"],
  ["realtime.schema_migrations", "the platform's own migration state is kept"],
  ["supabase_functions.migrations", "the platform's own migration state is kept"],
]);

/** Whether a schema-file entry is the platform's to create (and so left out of a restore). */
export function isPlatformEntry(e: ScriptEntry): boolean {
  if (SUPABASE_MANAGED_SCHEMAS.has(e.schema)) return true;
  if (e.type === "SCHEMA" && SUPABASE_MANAGED_SCHEMAS.has(e.name)) return true;
  if (e.type === "COMMENT" && e.name.startsWith("EXTENSION ")) return true;
  if (e.type === "ACL" && e.name.startsWith("SCHEMA ")) {
    if (SUPABASE_MANAGED_SCHEMAS.has(e.name.slice("SCHEMA ".length))) return true;
  }
  if (e.type === "ACL") return false;
  return SUPABASE_RESERVED_ROLES.has(e.owner) && e.owner !== "postgres";
}
