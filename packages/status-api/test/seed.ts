import type { StateStore } from "@tablesnap/state";

export const T0 = new Date("2026-03-01T08:00:00Z");
const plus = (s: number) => new Date(T0.getTime() + s * 1000);
export const SLACK_URL = "https://hooks.slack.com/commands/T1/999/very-secret";

/**
 * Through the StateStore API only: a succeeded run (Slack + push triggers, two tables, a commit),
 * a failed run, and a pending one. Returns their ids.
 */
export async function seedRuns(state: StateStore, target = "default") {
  const record = (id: string, at: number, extra: Record<string, string> = {}) =>
    state.recordTrigger(
      {
        id,
        target,
        source: extra["source"] ?? "acme/api",
        event: extra["source"] === "slack" ? "manual" : "push",
        ref: extra["ref"] ?? "abc1234",
        actor: "octocat",
        responseUrl: extra["responseUrl"],
        receivedAt: plus(at),
      },
      { debounceSeconds: 0, now: plus(at) },
    );
  const users = { schema: "public", name: "users" };
  const orders = { schema: "public", name: "orders" };

  const a = await record(`${target}-s1`, 0, {
    source: "slack",
    ref: "alice",
    responseUrl: SLACK_URL,
  });
  await record(`${target}-p1`, 1);
  const ok = await state.claimDueRun({ target, timeLimitSeconds: 3600, now: plus(2) });
  if (!ok || ok.id !== a.runId) throw new Error("seed: claim failed");
  await state.planTables(ok.id, [users, orders]);
  await state.markTable(ok.id, users, { status: "running" });
  await state.markTable(ok.id, users, { status: "done", rows: 10, bytes: 1000, durationMs: 40 });
  await state.markTable(ok.id, orders, { status: "running" });
  await state.markTable(ok.id, orders, { status: "done", rows: 5, bytes: 500, durationMs: 20 });
  await state.setPublishing(ok.id);
  await state.finishRun(ok.id, "succeeded", {
    commitSha: "c0ffee".padEnd(40, "0"),
    commitUrl: "https://github.com/acme/backups/commit/c0ffee",
    writes: 4,
    now: plus(60),
  });

  await record(`${target}-p2`, 3600);
  const bad = await state.claimDueRun({ target, timeLimitSeconds: 3600, now: plus(3601) });
  if (!bad) throw new Error("seed: second claim failed");
  await state.finishRun(bad.id, "failed", { error: "pg_dump exited 1", now: plus(3700) });

  const pending = await record(`${target}-p3`, 7200);
  return { succeeded: ok.id, failed: bad.id, pending: pending.runId ?? "" };
}

/** The last success finished at T0 + 60 s. */
export const LAST_SUCCESS = plus(60);
