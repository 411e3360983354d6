import type { MessageInput } from "@tablesnap/bus";
import { type Cron, cronSlotId, nextSlot, parseCron } from "@tablesnap/config";
import { messageOf } from "@tablesnap/core";
import type { CoordinatorDeps } from "./types.ts";

/** One schedule of one target and the next slot this replica will fire. */
export interface ScheduleCursor {
  readonly target: string;
  /** A backup (a trigger), or the target's restore drill or history rotation (`maintenance`). */
  readonly kind: "backup" | "drill" | "prune";
  /** The schedule's name; `@drill` and `@prune` for those, which no configured name can be. */
  readonly schedule: string;
  readonly cron: Cron;
  next: Date | null;
}

const MINUTE = 60_000;

/** Cursors for every schedule; a slot up to `graceSeconds` old at start-up is still fired. */
export function scheduleCursors(
  targets: CoordinatorDeps["config"]["targets"],
  now: Date,
  graceSeconds: number,
): ScheduleCursor[] {
  const since = new Date(now.getTime() - graceSeconds * 1000);
  const cursor = (target: string, kind: ScheduleCursor["kind"], schedule: string, text: string) => {
    const cron = parseCron(text);
    return { target, kind, schedule, cron, next: nextSlot(cron, since) };
  };
  return targets.flatMap((t) => [
    ...t.schedules.map((s) => cursor(t.name, "backup", s.name, s.cron)),
    ...(t.drill ? [cursor(t.name, "drill", "@drill", t.drill.cron)] : []),
    ...(t.retention.pruneHistory
      ? [cursor(t.name, "prune", "@prune", t.retention.pruneHistory)]
      : []),
  ]);
}

/** The latest slot in [from, now], or null. */
function latestSlot(cron: Cron, from: Date, now: Date): Date | null {
  let latest: Date | null = null;
  for (let s = nextSlot(cron, new Date(from.getTime() - MINUTE)); s !== null && s <= now; ) {
    latest = s;
    s = nextSlot(cron, s);
  }
  return latest;
}

/** The slots strictly between `previous` and `slot` (capped): what nobody fired. */
export function missedSlots(cron: Cron, previous: Date, slot: Date, cap = 10_000): Date[] {
  const missed: Date[] = [];
  for (let s = nextSlot(cron, previous); s !== null && s < slot && missed.length < cap; ) {
    missed.push(s);
    s = nextSlot(cron, s);
  }
  return missed;
}

/**
 * Fires every due slot: publishes its `trigger` (id and message id `cronSlotId`, so replicas give
 * one trigger, and one run even after the dedupe window), then records the slot. The replica that
 * advances the recorded slot reports the slots skipped since (everything down, say): a warning
 * and a `schedule.missed` event. A slot more than `graceSeconds` late is not fired: it is missed.
 * A failure leaves the cursor alone, so the next round tries again.
 */
export async function fireDueSlots(
  deps: CoordinatorDeps,
  cursors: readonly ScheduleCursor[],
  graceSeconds: number,
): Promise<Date[]> {
  const fired: Date[] = [];
  for (const c of cursors) {
    const now = deps.now();
    if (c.next === null || c.next > now) continue;
    const from = new Date(Math.max(c.next.getTime(), now.getTime() - graceSeconds * 1000));
    const slot = latestSlot(c.cron, from, now);
    if (slot === null) {
      c.next = nextSlot(c.cron, now);
      continue;
    }
    try {
      await fireSlot(deps, c, slot);
      fired.push(slot);
      c.next = nextSlot(c.cron, slot);
    } catch (error) {
      const context = { target: c.target, schedule: c.schedule, slot: slot.toISOString() };
      deps.logger.warn({ ...context, error: messageOf(error) }, "cron slot not fired yet");
    }
  }
  return fired;
}

async function fireSlot(deps: CoordinatorDeps, c: ScheduleCursor, slot: Date): Promise<void> {
  const id = cronSlotId(c.target, c.schedule, slot);
  if (c.kind !== "backup") return fireTask(deps, c, slot, id);
  const trigger: MessageInput<"trigger"> = {
    // Archive folders read `<time>--cron--schedule--<schedule name>`.
    ...{ id, target: c.target, source: "cron", event: "schedule" },
    ...{ ref: c.schedule, at: slot.toISOString() },
  };
  const { duplicate } = await deps.bus.publish("trigger", trigger);
  if (!duplicate) deps.logger.info({ trigger: id, target: c.target }, "cron slot fired");
  await recorded(deps, c, slot, await deps.state.recordSlot(c.target, c.schedule, slot));
}

/**
 * A drill or history rotation slot. Nothing downstream de-duplicates a task again (the state
 * database does for triggers), so the slot is recorded first and only the replica that advances
 * it sends the task: once, even when a coordinator restarts within the start-up grace. A task
 * recorded but not sent (NATS away) is not sent later: the next slot runs it, and the log says so.
 */
async function fireTask(deps: CoordinatorDeps, c: ScheduleCursor, slot: Date, id: string) {
  const result = await deps.state.recordSlot(c.target, c.schedule, slot);
  if (!result.advanced) return;
  const task = { id, target: c.target, at: slot.toISOString(), task: c.kind as "drill" | "prune" };
  try {
    await deps.bus.publish("maintenance", task);
    deps.logger.info({ [c.kind]: id, target: c.target }, `${c.kind} slot fired`);
  } catch (error) {
    const context = { [c.kind]: id, target: c.target, error: messageOf(error) };
    deps.logger.error(context, `${c.kind} slot not sent; the next slot runs it`);
  }
  await recorded(deps, c, slot, result);
}

/** After a slot was recorded: reports the slots missed before it, once. */
async function recorded(
  deps: CoordinatorDeps,
  c: ScheduleCursor,
  slot: Date,
  { previous, advanced }: { previous: Date | null; advanced: boolean },
): Promise<void> {
  if (!advanced || previous === null) return;
  const missed = missedSlots(c.cron, previous, slot);
  const first = missed[0];
  if (first === undefined) return;
  await reportMissed(deps, c, slot, missed, first);
}

async function reportMissed(
  deps: CoordinatorDeps,
  c: ScheduleCursor,
  slot: Date,
  missed: readonly Date[],
  first: Date,
): Promise<void> {
  const last = missed[missed.length - 1] ?? first;
  const data = {
    ...{ schedule: c.schedule, cron: c.cron.source, missed: missed.length },
    ...{ first: first.toISOString(), last: last.toISOString(), fired: slot.toISOString() },
  };
  deps.logger.warn({ target: c.target, ...data }, "cron slots missed while no coordinator ran");
  // Not about a run: run_id carries the first missed slot's id (the schema requires one).
  const event = {
    ...{ run_id: cronSlotId(c.target, c.schedule, first), target: c.target },
    ...{ kind: "schedule.missed", at: deps.now().toISOString(), data },
  };
  const msgId = `${cronSlotId(c.target, c.schedule, slot)}:missed`;
  await deps.bus.publish("event", event, { msgId }).catch((error) => {
    deps.logger.warn({ target: c.target, error: messageOf(error) }, "schedule.missed not sent");
  });
}
