import type { Bus, Message, Subscription } from "@tablesnap/bus";
import type { NewTrigger, RecordResult } from "@tablesnap/state";
import { UnknownTargetError } from "./errors.ts";
import type { CoordinatorDeps } from "./types.ts";

/** Every replica shares this durable: each trigger is recorded by one of them. */
export const TRIGGER_DURABLE = "coordinator";

/** A trigger as the bus carries it, as the state store records it. */
export function toNewTrigger(t: Message<"trigger">): NewTrigger {
  return {
    ...{ id: t.id, target: t.target, source: t.source, event: t.event, ref: t.ref },
    ...{ actor: t.actor, note: t.note, responseUrl: t.response_url },
    receivedAt: new Date(t.at),
  };
}

/**
 * Records one trigger on its target's pending run, with the target's quiet period. Idempotent by
 * trigger id: a redelivery, even days later, returns `isNew: false` and starts nothing.
 */
export async function recordTrigger(
  deps: Pick<CoordinatorDeps, "config" | "state" | "now" | "logger">,
  trigger: Message<"trigger">,
): Promise<RecordResult & { debounceSeconds: number }> {
  const target = deps.config.targets.find((t) => t.name === trigger.target);
  if (target === undefined) throw new UnknownTargetError(trigger.target);
  const { debounceSeconds } = target;
  const result = await deps.state.recordTrigger(toNewTrigger(trigger), {
    debounceSeconds,
    now: deps.now(),
  });
  const context = { trigger: trigger.id, target: trigger.target, run: result.runId };
  if (result.isNew) deps.logger.info({ ...context, source: trigger.source }, "trigger recorded");
  else deps.logger.info(context, "trigger seen before: nothing to do");
  return { ...result, debounceSeconds };
}

/**
 * Consumes `trigger` messages (durable `coordinator`) and records each. A state database outage
 * naks with backoff for days (the stream keeps triggers 7 days), so no trigger is lost to it.
 * `onRecorded` runs after a new trigger of a target without a quiet period (claim it now).
 */
export function consumeTriggers(
  deps: Pick<CoordinatorDeps, "config" | "state" | "now" | "logger"> & { bus: Bus },
  options: { concurrency?: number; ackWaitMs?: number; onDue?: () => void } = {},
): Promise<Subscription> {
  return deps.bus.consume(
    "trigger",
    {
      durable: TRIGGER_DURABLE,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      maxDeliver: 10_000,
      backoffMs: [1_000, 5_000, 15_000, 30_000, 60_000],
      concurrency: options.concurrency ?? 4,
      onTerm: (t) => {
        const context = { seq: t.seq, deliveries: t.deliveryCount, reason: t.reason };
        deps.logger.error(context, "trigger given up: no run will come of it");
      },
    },
    async (trigger) => {
      const result = await recordTrigger(deps, trigger);
      if (result.isNew && result.debounceSeconds === 0) options.onDue?.();
    },
  );
}
