/**
 * Schemas the Supabase platform creates and migrates itself. Objects in them do not make a new
 * project "not empty", and their `sequences.sql` is not replayed. What a restore does with
 * their entries is decided from the target's catalog, not from this list (see reconcile.ts).
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
