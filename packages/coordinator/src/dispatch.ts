import { messageOf } from "@tablesnap/core";
import type { Run } from "@tablesnap/state";
import type { CoordinatorDeps } from "./types.ts";

/**
 * Claims every due pending run (one per target at most: state allows one in progress) and hands
 * each to the dump workers as a `dump` message, message id = run id. A failed publish is logged;
 * `resendDumps` publishes it again while JetStream's dedupe window still covers it.
 */
export async function dispatchDueRuns(deps: CoordinatorDeps): Promise<Run[]> {
  const claimed: Run[] = [];
  for (const target of deps.config.targets) {
    const run = await deps.state.claimDueRun({
      target: target.name,
      timeLimitSeconds: target.timeLimitSeconds,
      now: deps.now(),
    });
    if (run === null) continue;
    claimed.push(run);
    const context = { run: run.id, target: run.target, deadline: run.deadline?.toISOString() };
    try {
      await deps.bus.publish("dump", { run_id: run.id, target: run.target });
      deps.logger.info(context, "run started: dump requested");
    } catch (error) {
      deps.logger.warn({ ...context, error: messageOf(error) }, "run started; dump not sent yet");
    }
  }
  return claimed;
}

/**
 * Fails every run past its deadline and tells whoever watches with a `run.failed` event (message
 * id `<run>:expired`). `expireRuns` returns a run to one caller only, so one event per run.
 */
export async function expireOverdueRuns(deps: CoordinatorDeps): Promise<Run[]> {
  const now = deps.now();
  const expired = await deps.state.expireRuns(now);
  for (const run of expired) {
    const reason = run.error ?? "time limit exceeded";
    deps.logger.warn({ run: run.id, target: run.target, reason }, "run failed: past its deadline");
    const event = {
      ...{ run_id: run.id, target: run.target, kind: "run.failed", at: now.toISOString() },
      data: { reason, deadline: run.deadline?.toISOString() ?? null },
    };
    await deps.bus.publish("event", event, { msgId: `${run.id}:expired` }).catch((error) => {
      deps.logger.warn({ run: run.id, error: messageOf(error) }, "run.failed event not sent");
    });
  }
  return expired;
}
