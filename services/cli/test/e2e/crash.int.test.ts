// kill -9 of a service in the middle of a run, end to end: after a restart the run completes
// with exactly one commit. Every service is its own process; TABLESNAP_ACK_WAIT=3 (harness) makes
// a message held by a killed service come back after 3 s instead of 30-60 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSource,
  type RunView,
  type ScratchDatabase,
  type Shared,
  Stack,
  startShared,
  until,
} from "./harness.ts";

/** Rows of the `big` table: a copy that takes a few seconds. */
const BIG_ROWS = 300_000;
const EXPECTED_ROWS = { users: 500, events: 200, empty: 0, big: BIG_ROWS };

describe("end to end: kill -9 of a service in the middle of a run", () => {
  let shared: Shared;
  let source: ScratchDatabase;
  const stacks: Stack[] = [];

  beforeAll(async () => {
    [shared, source] = await Promise.all([
      startShared(),
      createSource("tsnap_e2e_crash_src", BIG_ROWS),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(stacks.map((s) => s.close()));
    await source?.drop();
    await shared?.close();
  }, 60_000);

  async function completesOnce(stack: Stack, runId: string): Promise<RunView> {
    const run = await stack.finished(runId, 75_000);
    expect(run.status, `${JSON.stringify(run)}\n${stack.logs}`).toBe("succeeded");
    expect(
      Object.fromEntries((run.tables ?? []).map((t) => [t.name, t.rows])),
      JSON.stringify(run.tables),
    ).toEqual(EXPECTED_ROWS);
    expect((await stack.runs()).map((r) => r.id)).toEqual([runId]);
    const { count, head } = await stack.commits();
    // The README commit of the empty repository, then exactly one commit for the run.
    expect(count, stack.logs).toBe(2);
    expect(run.commit?.sha).toBe(head);
    return run;
  }

  it("completes the run once when the dump worker is killed mid-run and restarted", async () => {
    const stack = await Stack.start(shared, { name: "killdump", sourceUrl: source.url });
    stacks.push(stack);
    const push = await stack.push();
    expect(push.status, push.body).toBeLessThan(300);
    const runId = await stack.runOf(push.delivery);
    const during = await until(
      "the run to be running with a table done and `big` still copying",
      async () => {
        const r = await stack.run(runId);
        const tables = r.tables ?? [];
        return r.status === "running" &&
          tables.some((t) => t.status === "done") &&
          tables.some((t) => t.name === "big" && t.status !== "done")
          ? r
          : undefined;
      },
      30_000,
      () => stack.logs,
    );
    expect(during.commit).toBeNull();
    await stack.kill("dump-worker");
    await stack.startService("dump-worker");
    await completesOnce(stack, runId);
  }, 90_000);

  it("completes the run once when the coordinator is killed right after accepting a trigger", async () => {
    const stack = await Stack.start(shared, {
      name: "killcoord",
      sourceUrl: source.url,
      debounce: 1,
    });
    stacks.push(stack);
    const push = await stack.push();
    expect(push.status, push.body).toBeLessThan(300);
    await stack.kill("coordinator");
    const before = await stack.runs();
    expect(
      before.every((r) => r.status === "pending"),
      JSON.stringify(before),
    ).toBe(true);
    await stack.startService("coordinator");
    const runId = await stack.runOf(push.delivery);
    await completesOnce(stack, runId);
  }, 90_000);

  it("commits once when the publisher is killed while it publishes", async () => {
    const stack = await Stack.start(shared, { name: "killpub", sourceUrl: source.url });
    stacks.push(stack);
    const push = await stack.push();
    expect(push.status, push.body).toBeLessThan(300);
    const runId = await stack.runOf(push.delivery);
    await until(
      "the run to be publishing",
      async () => {
        const r = await stack.run(runId);
        if (r.status === "succeeded") throw new Error(`published before the kill:\n${stack.logs}`);
        return r.status === "publishing" ? r : undefined;
      },
      60_000,
      () => stack.logs,
    );
    await stack.kill("publisher");
    await stack.startService("publisher");
    await completesOnce(stack, runId);
  }, 90_000);
});
