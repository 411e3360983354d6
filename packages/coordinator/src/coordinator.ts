import { messageOf } from "@tablesnap/core";
import { dispatchDueRuns, expireOverdueRuns } from "./dispatch.ts";
import { consumeTriggers } from "./intake.ts";
import { jsonLogger } from "./logger.ts";
import { startLoop } from "./loop.ts";
import { resendDumps } from "./resend.ts";
import { fireDueSlots, scheduleCursors } from "./schedule.ts";
import type { Coordinator, CoordinatorDeps, CoordinatorOptions } from "./types.ts";

/**
 * Starts a coordinator replica: records `trigger`s (durable `coordinator`) and, every `tickMs`,
 * fails runs past their deadline, claims due runs and sends each to the dump workers as a `dump`
 * message, and fires due cron slots. Any number of replicas may run on the same bus and state.
 *
 * @example
 * const coordinator = await startCoordinator({ config, bus, state, logger });
 * process.once("SIGTERM", () => void coordinator.stop());
 */
export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const deps: CoordinatorDeps = {
    config: options.config,
    bus: options.bus,
    state: options.state,
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? jsonLogger({ service: "coordinator" }),
  };
  const grace = options.scheduleGraceSeconds ?? 600;
  const cursors = scheduleCursors(deps.config.targets, deps.now(), grace);
  const resendTries = new Map<string, number>();

  const round = async () => {
    await expireOverdueRuns(deps);
    await dispatchDueRuns(deps);
    await resendDumps(deps, resendTries);
    await fireDueSlots(deps, cursors, grace);
  };
  let failing = false;
  const loop = startLoop(
    async () => {
      await round();
      if (failing) deps.logger.info({}, "coordinator round succeeded again");
      failing = false;
    },
    options.tickMs ?? 1_000,
    (error) => {
      // Once per outage: the state database or NATS is away, every round would say the same.
      if (!failing) deps.logger.warn({ error: messageOf(error) }, "coordinator round failed");
      failing = true;
    },
  );
  let subscription: Awaited<ReturnType<typeof consumeTriggers>>;
  try {
    subscription = await consumeTriggers(deps, {
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
      onDue: () => loop.wake(),
    });
  } catch (error) {
    await loop.stop();
    throw error;
  }
  deps.logger.info(
    { targets: deps.config.targets.map((t) => t.name), schedules: cursors.length },
    "coordinator started",
  );
  return {
    wake: () => loop.wake(),
    async stop() {
      await subscription.stop();
      await loop.stop();
    },
  };
}
