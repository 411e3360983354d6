export { filesPrefix, MANIFEST_FILE, runPrefix } from "./bucket-layout.ts";
export { WorkerError } from "./errors.ts";
export type { DumpMessage, HolderDeps } from "./holder.ts";
export { holdRun } from "./holder.ts";
export type { DumpSettings } from "./holder-plan.ts";
export type { JetStreamCopierDeps } from "./jetstream-copier.ts";
export { AttemptEndedError, JetStreamCopier } from "./jetstream-copier.ts";
export type { TargetCheck } from "./preflight.ts";
export { checkTargets, logTargetChecks } from "./preflight.ts";
export type { PublisherDeps } from "./publisher.ts";
export { publishRun } from "./publisher.ts";
export type { GitHubSettings, OpenedRepo, OpenRepo } from "./repo.ts";
export { repoChecker, repoOpener } from "./repo.ts";
export type { Outcome } from "./slack.ts";
export { outcomeText, reportOutcome } from "./slack.ts";
export type { DumpWorkerOptions, PublisherOptions, Running } from "./start.ts";
export { startDumpWorker, startPublisher } from "./start.ts";
export type { JobMessage, TableWorkerDeps } from "./table-job.ts";
export { copyTableJob, SourcePools, tableJobGivenUp } from "./table-job.ts";
export type {
  ArtifactBucket,
  DeliveryOptions,
  SlackSettings,
  WorkerDeps,
  WorkerLogger,
} from "./types.ts";
export { ackWaitDelivery, jsonLogger, openArtifactBucket } from "./wiring.ts";
