export { filesPrefix, MANIFEST_FILE, runPrefix } from "./bucket-layout.ts";
export type { Running } from "./consume.ts";
export { delivery, givenUp } from "./consume.ts";
export { hasSqlState, isRetriable, isSnapshotGone, WorkerError } from "./errors.ts";
export {
  emit,
  failRun,
  removeEndedRun,
  removeObjects,
  removePublishedRun,
  tell,
} from "./outcome.ts";
export type { GitHubSettings, OpenedRepo, OpenRepo } from "./repo.ts";
export { repoChecker, repoOpener } from "./repo.ts";
export type { Outcome } from "./slack.ts";
export { outcomeText, reportOutcome, tellWebhook } from "./slack.ts";
export type {
  ArtifactBucket,
  DeliveryOptions,
  SlackSettings,
  WorkerDeps,
  WorkerLogger,
} from "./types.ts";
export { silentLogger } from "./types.ts";
export { ackWaitDelivery, jsonLogger, openArtifactBucket } from "./wiring.ts";
