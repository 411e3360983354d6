export type { StatusOptions } from "./app.ts";
export { addStatusRoutes, statusApp } from "./app.ts";
export type { CombinedOptions } from "./combined.ts";
export { combinedApp } from "./combined.ts";
export type { TargetHealth } from "./ready.ts";
export { readiness } from "./ready.ts";
export { ROUTES as STATUS_ROUTES } from "./routes.ts";
