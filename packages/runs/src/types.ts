import type { ArtifactStore } from "@tablesnap/artifacts";
import type { Bus } from "@tablesnap/bus";
import type { TargetConfig } from "@tablesnap/config";
/** pino-compatible: `logger.info({ ...context }, "message")`. Never give it a secret. */
import type { Logger as WorkerLogger } from "@tablesnap/core";
import type { StateStore } from "@tablesnap/state";

export type { WorkerLogger };

/** One store per key prefix of the bucket (`S3ArtifactStore` is one). */
export interface ArtifactBucket {
  forPrefix(prefix: string): ArtifactStore;
}

/** Where a run's outcome is told: Slack (`response_url` of a `/backup` run, the failure webhook). */
export interface SlackSettings {
  /** Incoming webhook told of every failed run. A secret. */
  readonly webhookUrl?: string | undefined;
  /** The fetch the reports go through; default the global one. */
  readonly fetch?: typeof fetch | undefined;
}

/** What both the dump workers and the publisher are built from. */
export interface WorkerDeps {
  readonly bus: Bus;
  readonly state: StateStore;
  readonly bucket: ArtifactBucket;
  readonly targets: readonly TargetConfig[];
  readonly slack?: SlackSettings | undefined;
  readonly logger?: WorkerLogger | undefined;
  /** Keep a run's objects in the bucket once it ended (debugging). Default false. */
  readonly keepArtifacts?: boolean | undefined;
}

/** Redelivery of a consumer's messages (see the bus's ConsumeOptions). */
export interface DeliveryOptions {
  readonly ackWaitMs?: number | undefined;
  readonly maxDeliver?: number | undefined;
  readonly backoffMs?: readonly number[] | undefined;
}

export { silentLogger } from "@tablesnap/core";
