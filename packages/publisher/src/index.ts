export type { DrillDeps, DrillOutcome } from "./drill.ts";
export { drillTarget } from "./drill.ts";
export type { PruneDeps } from "./prune.ts";
export { pruneTarget } from "./prune.ts";
export type { PublisherDeps } from "./publisher.ts";
export { publishRun } from "./publisher.ts";
export type { PublisherOptions } from "./start.ts";
export { startPublisher } from "./start.ts";
