export type { StatusOptions } from "./app.ts";
export { addStatusRoutes, statusApp } from "./app.ts";
export type { CombinedOptions } from "./combined.ts";
export { combinedApp } from "./combined.ts";
export { openApiDocument } from "./openapi.ts";
export type { TargetHealth } from "./ready.ts";
export { readiness } from "./ready.ts";
