import { describe, expect, it } from "vitest";
import type { StateStore } from "../src/index.ts";
import { describeStateQueries } from "./contract-queries.ts";
import { ATTEMPT, at, DEBOUNCE, LIMIT, manifest, T0, trigger } from "./fixtures.ts";

/** The behaviour every StateStore adapter shares; run against the PostgreSQL and in-memory ones. */
export function describeStateStore(name: string, make: () => Promise<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    it("records a trigger on a new pending run that waits for the quiet period", async () => {
      const s = await make();
      const t = trigger("app", { actor: "octocat", note: "hi", responseUrl: "https://x/y" });
      const r = await s.recordTrigger(t, { ...DEBOUNCE, now: T0 });
      expect(r).toMatchObject({ isNew: true, runCreated: true });
      const run = await s.getRun(r.runId ?? "");
      expect(run).toMatchObject({
        target: "app",
        status: "pending",
        createdAt: T0,
        notBefore: at(30),
      });
      expect(run?.triggers).toEqual([{ ...t, runId: r.runId }]);
      expect(await s.getTrigger(t.id)).toEqual({ ...t, runId: r.runId });
    });

    it("recognises a redelivered trigger by id, even after its run finished", async () => {
      const s = await make();
      const t = trigger("app");
      const first = await s.recordTrigger(t, { ...DEBOUNCE, now: T0 });
      const again = await s.recordTrigger(t, { ...DEBOUNCE, now: at(5) });
      expect(again).toEqual({ isNew: false, runId: first.runId, runCreated: false });
      const run = await s.claimDueRun({ ...LIMIT, now: at(31) });
      await s.finishRun(run?.id ?? "", "succeeded", { now: at(60) });
      const days = await s.recordTrigger(t, { ...DEBOUNCE, now: at(3 * 86400) });
      expect(days).toEqual({ isNew: false, runId: first.runId, runCreated: false });
      expect((await s.getRun(first.runId ?? ""))?.triggers).toHaveLength(1);
      expect((await s.targetSummary("app")).pending).toBeNull();
    });

    it("joins triggers to the pending run and extends its quiet period", async () => {
      const s = await make();
      const a = await s.recordTrigger(trigger("app"), { ...DEBOUNCE, now: T0 });
      const b = await s.recordTrigger(trigger("app"), { ...DEBOUNCE, now: at(20) });
      const other = await s.recordTrigger(trigger("web"), { ...DEBOUNCE, now: at(20) });
      expect(b).toEqual({ isNew: true, runId: a.runId, runCreated: false });
      expect(other.runId).not.toBe(a.runId);
      const run = await s.getRun(a.runId ?? "");
      expect(run?.notBefore).toEqual(at(50));
      expect(run?.triggers).toHaveLength(2);
      expect(await s.claimDueRun({ ...LIMIT, target: "app", now: at(45) })).toBeNull();
      expect(await s.claimDueRun({ ...LIMIT, target: "app", now: at(50) })).toMatchObject({
        id: a.runId,
        status: "running",
        startedAt: at(50),
        deadline: at(3650),
      });
    });

    it("caps the quiet period at maxDelaySeconds after the run was created", async () => {
      const s = await make();
      const o = { debounceSeconds: 30, maxDelaySeconds: 60 };
      const a = await s.recordTrigger(trigger("app"), { ...o, now: T0 });
      await s.recordTrigger(trigger("app"), { ...o, now: at(25) });
      await s.recordTrigger(trigger("app"), { ...o, now: at(50) });
      expect((await s.getRun(a.runId ?? ""))?.notBefore).toEqual(at(60));
    });

    it("keeps one run in progress per target: a new trigger waits as the pending run", async () => {
      const s = await make();
      const now = { debounceSeconds: 0, now: T0 };
      const first = await s.recordTrigger(trigger("app"), now);
      expect((await s.claimDueRun({ ...LIMIT, now: T0 }))?.id).toBe(first.runId);
      const second = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: at(1) });
      expect(second.runCreated).toBe(true);
      expect(await s.claimDueRun({ ...LIMIT, now: at(2) })).toBeNull();
      const third = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: at(3) });
      expect(third.runId).toBe(second.runId);
      expect(await s.setPublishing(first.runId ?? "")).toMatchObject({ changed: true });
      expect(await s.claimDueRun({ ...LIMIT, now: at(4) })).toBeNull();
      await s.finishRun(first.runId ?? "", "succeeded", { now: at(5) });
      expect((await s.claimDueRun({ ...LIMIT, now: at(6) }))?.id).toBe(second.runId);
    });

    it("claims due runs of any target, oldest quiet period first, or of one target", async () => {
      const s = await make();
      const web = await s.recordTrigger(trigger("web"), { debounceSeconds: 5, now: T0 });
      const app = await s.recordTrigger(trigger("app"), { debounceSeconds: 10, now: T0 });
      expect((await s.claimDueRun({ ...LIMIT, target: "app", now: at(20) }))?.id).toBe(app.runId);
      expect(await s.claimDueRun({ ...LIMIT, target: "app", now: at(20) })).toBeNull();
      expect((await s.claimDueRun({ ...LIMIT, now: at(20) }))?.id).toBe(web.runId);
      expect(await s.claimDueRun({ ...LIMIT, now: at(20) })).toBeNull();
    });

    it("plans table jobs idempotently and tracks them to the end", async () => {
      const s = await make();
      const { runId } = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: T0 });
      const id = runId ?? "";
      const users = { schema: "public", name: "users" };
      const tables = [users, { schema: "auth", name: "sessions" }, { schema: "public", name: "x" }];
      await s.planTables(id, tables);
      await s.planTables(id, tables);
      expect(await s.runProgress(id)).toEqual({
        ...{ total: 3, pending: 3, running: 0, done: 0, failed: 0, skipped: 0 },
      });
      await s.markTable(id, users, { status: "running" });
      await s.markTable(id, users, { status: "failed", error: "connection reset" });
      await s.markTable(id, users, { status: "running" });
      const done = await s.markTable(id, users, {
        status: "done",
        rows: 5,
        bytes: 3e9,
        durationMs: 12,
      });
      expect(done).toMatchObject({ status: "done", rows: 5, bytes: 3e9, attempts: 2, error: null });
      // A late redelivery of a finished job changes nothing.
      expect(await s.markTable(id, users, { status: "running" })).toEqual(done);
      await s.markTable(id, tables[1] ?? users, { status: "running" });
      const ended = await s.finishRun(id, "partial", { now: at(9), error: "1 table failed" });
      expect(ended.run).toMatchObject({
        status: "partial",
        error: "1 table failed",
        finishedAt: at(9),
      });
      const detail = await s.getRun(id);
      expect(detail?.tables.map((t) => [t.schema, t.name, t.status])).toEqual([
        ["auth", "sessions", "skipped"],
        ["public", "users", "done"],
        ["public", "x", "skipped"],
      ]);
      const [listed] = (await s.listRuns("app")).runs;
      expect(listed?.totals).toEqual({ tables: 3, done: 3, failed: 0, rows: 5, bytes: 3e9 });
      await expect(
        s.markTable(id, { schema: "no", name: "pe" }, { status: "done" }),
      ).rejects.toThrow(/not planned/);
      await expect(s.planTables("missing", tables)).rejects.toThrow(/run not found/);
    });

    it("keeps a table's result per attempt: a finished table takes only a newer attempt's news", async () => {
      const s = await make();
      const { runId } = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: T0 });
      const id = runId ?? "";
      const users = { schema: "public", name: "users" };
      await s.planTables(id, [users]);
      const file = { path: "public/tables/users/data.sql", sha256: "ab".repeat(32), bytes: 9 };
      await s.markTable(id, users, { status: "running", snapshotId: "s1" });
      const first = await s.markTable(id, users, {
        ...{ status: "done", rows: 1, bytes: 9, snapshotId: "s1", files: [file] },
      });
      expect(first).toMatchObject({ status: "done", snapshotId: "s1", files: [file] });
      // The same attempt's redelivery changes nothing; a new attempt starts the table again.
      expect(await s.markTable(id, users, { status: "running", snapshotId: "s1" })).toEqual(first);
      const again = await s.markTable(id, users, { status: "pending", snapshotId: "s2" });
      expect(again).toMatchObject({ status: "pending", snapshotId: "s2", files: null, rows: null });
      expect((await s.getRun(id))?.tables[0]).toMatchObject({ snapshotId: "s2", files: null });
    });

    it("publishes and finishes once: a second finish changes nothing", async () => {
      const s = await make();
      const { runId } = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: T0 });
      const id = runId ?? "";
      expect((await s.setPublishing(id)).changed).toBe(false); // still pending
      await s.claimDueRun({ ...LIMIT, now: T0 });
      await s.startAttempt(id, { snapshotId: "00000003-1", backupId: "b-1" });
      expect(await s.setPublishing(id)).toMatchObject({
        changed: true,
        run: { status: "publishing" },
      });
      expect((await s.setPublishing(id)).changed).toBe(false);
      const fields = { commitSha: "a".repeat(40), commitUrl: "https://x/c", writes: 3, now: at(7) };
      const done = await s.finishRun(id, "succeeded", fields);
      expect(done).toMatchObject({ changed: true });
      expect(done.run).toMatchObject({ status: "succeeded", snapshotId: "00000003-1", writes: 3 });
      const again = await s.finishRun(id, "failed", { error: "late", now: at(8) });
      expect(again).toEqual({ changed: false, run: done.run });
      await expect(s.finishRun("missing", "failed")).rejects.toThrow(/run not found/);
      await expect(s.startAttempt("missing", ATTEMPT)).rejects.toThrow(/run not found/);
    });

    it("lets only the current attempt of a running run record its snapshot and manifest", async () => {
      const s = await make();
      const { runId } = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: T0 });
      const id = runId ?? "";
      expect((await s.startAttempt(id, ATTEMPT)).changed).toBe(false); // still pending
      await s.claimDueRun({ ...LIMIT, now: T0 });
      const first = { snapshotId: "00000003-1", backupId: id };
      const second = { snapshotId: "00000005-1", backupId: id };
      expect(await s.startAttempt(id, first)).toMatchObject({ changed: true, run: first });
      expect((await s.startAttempt(id, second)).run).toMatchObject(second);
      // The first attempt was replaced: its manifest is refused, the current one's is kept.
      const m1 = await s.recordManifest(id, first.snapshotId, manifest("a"));
      expect(m1).toMatchObject({ changed: false, run: { manifest: null } });
      const m2 = await s.recordManifest(id, second.snapshotId, manifest("b"));
      expect(m2.run.manifest?.backup_id).toBe("b");
      // Being published, it takes the current attempt's manifest but no new attempt.
      await s.setPublishing(id);
      expect((await s.startAttempt(id, first)).changed).toBe(false);
      expect((await s.recordManifest(id, second.snapshotId, manifest("c"))).changed).toBe(true);
      await s.finishRun(id, "succeeded", { now: at(5) });
      expect((await s.recordManifest(id, second.snapshotId, manifest("d"))).changed).toBe(false);
      expect(await s.getRun(id)).toMatchObject({ snapshotId: second.snapshotId });
      expect((await s.getRun(id))?.manifest?.backup_id).toBe("c");
    });

    it("fails runs still in progress past their deadline", async () => {
      const s = await make();
      const a = await s.recordTrigger(trigger("app"), { debounceSeconds: 0, now: T0 });
      const b = await s.recordTrigger(trigger("web"), { debounceSeconds: 0, now: T0 });
      await s.claimDueRun({ timeLimitSeconds: 60, target: "app", now: T0 });
      await s.claimDueRun({ timeLimitSeconds: 600, target: "web", now: T0 });
      await s.planTables(a.runId ?? "", [{ schema: "public", name: "t" }]);
      expect(await s.expireRuns(at(59))).toEqual([]);
      const expired = await s.expireRuns(at(61));
      expect(expired.map((r) => r.id)).toEqual([a.runId]);
      expect(expired[0]).toMatchObject({ status: "failed", finishedAt: at(61) });
      expect(expired[0]?.error).toBe(
        `time limit exceeded: still in progress at its deadline ${at(60).toISOString()}`,
      );
      expect((await s.getRun(a.runId ?? ""))?.tables[0]?.status).toBe("skipped");
      expect((await s.getRun(b.runId ?? ""))?.status).toBe("running");
    });

    it("records schedule slots once, in order, and tells the previous one", async () => {
      const s = await make();
      expect(await s.recordSlot("app", "nightly", T0)).toEqual({ previous: null, advanced: true });
      expect(await s.recordSlot("app", "nightly", T0)).toEqual({ previous: T0, advanced: false });
      expect(await s.recordSlot("app", "nightly", at(86400))).toEqual({
        previous: T0,
        advanced: true,
      });
      expect(await s.recordSlot("app", "nightly", T0)).toEqual({
        previous: at(86400),
        advanced: false,
      });
      expect(await s.recordSlot("web", "nightly", T0)).toEqual({ previous: null, advanced: true });
    });

    it("answers ping", async () => {
      const s = await make();
      await expect(s.ping()).resolves.toBeUndefined();
    });

    describeStateQueries(make);
  });
}
