import { expect, it } from "vitest";
import type { StateStore } from "../src/index.ts";
import { at, LIMIT, T0, trigger } from "./fixtures.ts";

/** Makes one finished run of `target` per status, created `seconds` apart. */
async function history(s: StateStore, target: string, statuses: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, status] of statuses.entries()) {
    const now = at(i * 10);
    const { runId } = await s.recordTrigger(trigger(target), { debounceSeconds: 0, now });
    const id = runId ?? "";
    ids.push(id);
    if (status === "pending") continue;
    await s.claimDueRun({ ...LIMIT, target, now });
    if (status === "running") continue;
    const final = status as "succeeded" | "partial" | "failed";
    await s.finishRun(id, final, {
      now: at(i * 10 + 5),
      error: final === "failed" ? "boom" : undefined,
    });
  }
  return ids;
}

/** The status API's queries, part of the StateStore contract. */
export function describeStateQueries(make: () => Promise<StateStore>): void {
  it("lists targets that have runs and summarizes one", async () => {
    const s = await make();
    const ids = await history(s, "app", [
      "succeeded",
      "failed",
      "succeeded",
      "partial",
      "running",
      "pending",
    ]);
    await history(s, "Zeta", ["failed"]);
    expect(await s.listTargets()).toEqual(["Zeta", "app"]);
    const sum = await s.targetSummary("app");
    expect(sum.target).toBe("app");
    expect(sum.lastSuccess?.id).toBe(ids[2]);
    expect(sum.lastFailure).toMatchObject({ id: ids[1], error: "boom" });
    expect(sum.lastPartial?.id).toBe(ids[3]);
    expect(sum.running?.id).toBe(ids[4]);
    expect(sum.pending?.id).toBe(ids[5]);
    expect(await s.targetSummary("nothing")).toEqual({
      target: "nothing",
      ...{ lastSuccess: null, lastFailure: null, lastPartial: null, running: null, pending: null },
    });
  });

  it("pages through runs newest first with a stable cursor and a status filter", async () => {
    const s = await make();
    const ids = await history(s, "app", [
      "succeeded",
      "failed",
      "succeeded",
      "failed",
      "succeeded",
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.listRuns("app", { limit: 2, cursor });
      expect(page.runs.length).toBeLessThanOrEqual(2);
      seen.push(...page.runs.map((r) => r.id));
      // A run arriving meanwhile lands on top and does not shift the pages after the cursor.
      if (seen.length === 2)
        await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: at(99) });
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([...ids].reverse());
    const failed = await s.listRuns("app", { status: "failed" });
    expect(failed.runs.map((r) => r.id)).toEqual([ids[3], ids[1]]);
    expect(failed.nextCursor).toBeNull();
    expect(failed.runs[0]?.triggers).toHaveLength(1);
    expect(failed.runs[0]?.triggers[0]?.runId).toBe(ids[3]);
    expect(failed.runs[0]?.totals).toEqual({ tables: 0, done: 0, failed: 0, rows: 0, bytes: 0 });
    await expect(s.listRuns("app", { cursor: "not-a-cursor" })).rejects.toThrow(/invalid cursor/);
  });

  it("orders runs created in the same millisecond by id", async () => {
    const s = await make();
    const ids: string[] = [];
    for (const target of ["a", "a", "a"]) {
      const { runId } = await s.recordTrigger(trigger(target), { debounceSeconds: 0, now: T0 });
      await s.claimDueRun({ ...LIMIT, target, now: T0 });
      await s.finishRun(runId ?? "", "succeeded", { now: T0 });
      ids.push(runId ?? "");
    }
    const sorted = [...ids].sort().reverse();
    const first = await s.listRuns("a", { limit: 1 });
    const rest = await s.listRuns("a", { limit: 5, cursor: first.nextCursor ?? "" });
    expect([...first.runs, ...rest.runs].map((r) => r.id)).toEqual(sorted);
  });

  it("shows a run with every trigger and every table; an unknown run is null", async () => {
    const s = await make();
    const a = trigger("app", { receivedAt: at(1) });
    const b = trigger("app", { source: "slack", event: "manual", ref: "alice", receivedAt: at(2) });
    const { runId } = await s.recordTrigger(a, { debounceSeconds: 5, now: at(1) });
    await s.recordTrigger(b, { debounceSeconds: 5, now: at(2) });
    const run = await s.getRun(runId ?? "");
    expect(run?.triggers.map((t) => t.id)).toEqual([a.id, b.id]);
    expect(run?.tables).toEqual([]);
    expect(await s.getRun("00000000-0000-7000-8000-000000000000")).toBeNull();
    expect(await s.getTrigger("never")).toBeNull();
  });
}
