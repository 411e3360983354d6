import type { Termination } from "@tablesnap/bus";
import { messageOf } from "@tablesnap/core";
import { failRun } from "./outcome.ts";
import { type DeliveryOptions, silentLogger, type WorkerDeps } from "./types.ts";

/** A running service: `stop()` lets running handlers finish (or hands their messages back). */
export interface Running {
  stop(): Promise<void>;
}

/** A consumer's redelivery settings, leaving out what is not set. */
export function delivery(d: DeliveryOptions | undefined) {
  return {
    ...(d?.ackWaitMs === undefined ? {} : { ackWaitMs: d.ackWaitMs }),
    ...(d?.maxDeliver === undefined ? {} : { maxDeliver: d.maxDeliver }),
    ...(d?.backoffMs === undefined ? {} : { backoffMs: d.backoffMs }),
  };
}

/**
 * A `dump` or `run` message given up (its last delivery failed, or its worker died holding it):
 * the run ends `failed` with the reason rather than waiting for its time limit.
 */
export async function givenUp(d: WorkerDeps, t: Termination, what: string): Promise<void> {
  const runId = (t.message as { run_id?: unknown } | undefined)?.run_id;
  if (typeof runId !== "string") return;
  try {
    const run = await d.state.getRun(runId);
    if (run) await failRun(d, run, `${what} given up: ${t.reason}`);
  } catch (e) {
    (d.logger ?? silentLogger).error(
      { runId, error: messageOf(e) },
      "could not fail a run given up",
    );
  }
}
