export { hardCasesSql, loadHardCases } from "./fixtures.ts";
export type { ScratchDatabase } from "./postgres.ts";
export { adminUrl, createScratchDatabase, psql, withDatabase } from "./postgres.ts";
