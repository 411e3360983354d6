export { type CatalogFacts, catalogFacts, tableDigests } from "./catalog.ts";
export { hardCasesSql, loadHardCases } from "./fixtures.ts";
export { deleteStreams } from "./nats.ts";
export { freePort } from "./net.ts";
export type { ScratchDatabase } from "./postgres.ts";
export { adminUrl, createScratchDatabase, psql, withDatabase } from "./postgres.ts";
export { startPostgresCluster, type TestServer } from "./servers.ts";
export {
  clientOn,
  SUPABASE_APP_SQL,
  SUPABASE_FIXTURE,
  type SupabaseCluster,
  startSupabaseCluster,
} from "./supabase.ts";
export type { UntilOptions } from "./until.ts";
export { until } from "./until.ts";
