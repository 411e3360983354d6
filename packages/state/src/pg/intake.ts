import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { newRunId } from "../ids.ts";
import { ACTIVE, addSeconds, quietUntil } from "../rules.ts";
import type {
  ClaimOptions,
  NewTrigger,
  RecordOptions,
  RecordResult,
  Run,
  SlotResult,
} from "../types.ts";
import { lockTarget, tryLockTarget } from "./locks.ts";
import { type Db, iso } from "./queries.ts";
import { runs, schedules, triggers } from "./schema.ts";

const triggerRow = (t: NewTrigger) => ({
  id: t.id,
  target: t.target,
  source: t.source,
  event: t.event,
  ref: t.ref,
  actor: t.actor ?? null,
  note: t.note ?? null,
  responseUrl: t.responseUrl ?? null,
  receivedAt: t.receivedAt,
});

/** Records a trigger once and attaches it to the target's pending run, under the target's lock. */
export function recordTrigger(db: Db, t: NewTrigger, o: RecordOptions): Promise<RecordResult> {
  const now = o.now ?? new Date();
  return db.transaction(async (tx) => {
    await tx.execute(lockTarget(t.target));
    const fresh = await tx
      .insert(triggers)
      .values(triggerRow(t))
      .onConflictDoNothing({ target: triggers.id })
      .returning({ id: triggers.id });
    if (fresh.length === 0) {
      const [old] = await tx
        .select({ runId: triggers.runId })
        .from(triggers)
        .where(eq(triggers.id, t.id));
      return { isNew: false, runId: old?.runId ?? null, runCreated: false };
    }
    // Row lock: a concurrent finishRun of this run either waits for us, or we no longer see it.
    const [pending] = await tx
      .select()
      .from(runs)
      .where(and(eq(runs.target, t.target), eq(runs.status, "pending")))
      .for("no key update");
    let runId: string;
    if (pending !== undefined) {
      runId = pending.id;
      const { createdAt, notBefore: current } = pending;
      const notBefore = quietUntil(createdAt, current, now, o.debounceSeconds, o.maxDelaySeconds);
      if (notBefore > current) await tx.update(runs).set({ notBefore }).where(eq(runs.id, runId));
    } else {
      runId = newRunId(now);
      const notBefore = quietUntil(now, null, now, o.debounceSeconds, o.maxDelaySeconds);
      await tx
        .insert(runs)
        .values({ id: runId, target: t.target, status: "pending", createdAt: now, notBefore });
    }
    await tx.update(triggers).set({ runId }).where(eq(triggers.id, t.id));
    return { isNew: true, runId, runCreated: pending === undefined };
  });
}

/**
 * Moves a due pending run to running. Candidates are found without locks; each is then claimed
 * under the target's lock, taken with try-lock so that concurrent claimers skip each other.
 */
export async function claimDueRun(db: Db, o: ClaimOptions): Promise<Run | null> {
  const now = o.now ?? new Date();
  const only = o.target === undefined ? sql`` : sql`and r.target = ${o.target}`;
  const due = await db.execute<{ target: string }>(sql`
    select r.target from ${runs} r
    where r.status = 'pending' and r.not_before <= ${iso(now)} ${only}
      and not exists (select 1 from ${runs} a
                      where a.target = r.target and a.status in ('running', 'publishing'))
    order by r.not_before limit 20`);
  for (const { target } of due) {
    const run = await db.transaction(async (tx) => {
      const [lock] = await tx.execute<{ locked: boolean }>(tryLockTarget(target));
      if (lock?.locked !== true) return null; // another claimer or recorder holds it right now
      const busy = await tx
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.target, target), inArray(runs.status, [...ACTIVE])));
      if (busy.length > 0) return null;
      const [claimed] = await tx
        .update(runs)
        .set({ status: "running", startedAt: now, deadline: addSeconds(now, o.timeLimitSeconds) })
        .where(and(eq(runs.target, target), eq(runs.status, "pending"), lte(runs.notBefore, now)))
        .returning();
      return claimed ?? null;
    });
    if (run !== null) return run;
  }
  return null;
}

export function recordSlot(
  db: Db,
  target: string,
  schedule: string,
  slot: Date,
): Promise<SlotResult> {
  return db.transaction(async (tx) => {
    await tx.execute(lockTarget(target));
    const key = and(eq(schedules.target, target), eq(schedules.schedule, schedule));
    const [row] = await tx.select().from(schedules).where(key);
    if (row === undefined) {
      await tx.insert(schedules).values({ target, schedule, lastSlot: slot });
      return { previous: null, advanced: true };
    }
    if (slot <= row.lastSlot) return { previous: row.lastSlot, advanced: false };
    await tx.update(schedules).set({ lastSlot: slot }).where(key);
    return { previous: row.lastSlot, advanced: true };
  });
}
