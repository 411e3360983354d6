import type { Bus } from "@tablesnap/bus";
import type { Config } from "@tablesnap/config";
/** pino-compatible: `logger.warn({ ...context }, "message")`. Also a valid `BusLogger`. */
import type { Logger } from "@tablesnap/core";
import type { StateStore } from "@tablesnap/state";

export type { Logger };

/** The time every decision uses (quiet periods, deadlines, cron slots); tests drive it. */
export type Clock = () => Date;

/** What the coordinator reads from the configuration: its targets. */
export type CoordinatorConfig = Pick<Config, "targets">;

/** What every coordinator step takes: its dependencies, so a test can hand in memory ones. */
export interface CoordinatorDeps {
  readonly config: CoordinatorConfig;
  readonly bus: Bus;
  readonly state: StateStore;
  readonly now: Clock;
  readonly logger: Logger;
}

export interface CoordinatorOptions {
  readonly config: CoordinatorConfig;
  readonly bus: Bus;
  readonly state: StateStore;
  /** Default: the system clock. */
  readonly now?: Clock;
  /** Default: JSON lines on stdout/stderr. */
  readonly logger?: Logger;
  /** Pause between two rounds of claim, expiry and cron. Default 1 000 ms. */
  readonly tickMs?: number;
  /** A cron slot found due at most this late still fires; older ones count as missed. Default 600. */
  readonly scheduleGraceSeconds?: number;
  /** Triggers recorded at once by this replica. Default 4. */
  readonly concurrency?: number;
  /** A trigger taken by a replica that died is delivered again after this. Default 30 000. */
  readonly ackWaitMs?: number;
}

/** A running coordinator. */
export interface Coordinator {
  /** Runs a round (claim, expiry, cron) now instead of at the next tick. */
  wake(): void;
  /** Stops consuming and ticking; waits for the trigger and round in progress to finish. */
  stop(): Promise<void>;
}
