// Bursts and duplicates, end to end: signed pushes → ingress → NATS → coordinator → dump worker →
// publisher → one commit, every service its own process, on a private nats-server.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSource, type ScratchDatabase, type Shared, Stack, startShared } from "./harness.ts";

describe("end to end: bursts and duplicate deliveries", () => {
  let shared: Shared;
  let source: ScratchDatabase;
  const stacks: Stack[] = [];

  beforeAll(async () => {
    [shared, source] = await Promise.all([startShared(), createSource("tsnap_e2e_burst_src")]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(stacks.map((s) => s.close()));
    await source?.drop();
    await shared?.close();
  }, 60_000);

  it("collapses 50 pushes from 10 repositories within the quiet period into one run and one commit", async () => {
    const stack = await Stack.start(shared, {
      name: "burst",
      sourceUrl: source.url,
      debounce: 3,
    });
    stacks.push(stack);
    const repositories = Array.from({ length: 10 }, (_, i) => `acme/app-${i}`);
    const sent = await Promise.all(
      Array.from({ length: 50 }, (_, i) => stack.push({ repository: repositories[i % 10] })),
    );
    for (const s of sent) expect(s.status, `${s.body}\n${stack.logs}`).toBeLessThan(300);

    const first = sent[0]?.delivery ?? "";
    const runId = await stack.runOf(first);
    const run = await stack.finished(runId, 60_000);
    expect(run.status, stack.logs).toBe("succeeded");
    expect(run.triggers.map((t) => t.id).sort()).toEqual(sent.map((s) => s.delivery).sort());
    expect(new Set(run.triggers.map((t) => t.source))).toEqual(new Set(repositories));

    const runs = await stack.runs();
    expect(runs.map((r) => r.id)).toEqual([runId]);
    const { count, head } = await stack.commits();
    // The README commit of the empty repository, then the run's one commit.
    expect(count).toBe(2);
    expect(run.commit?.sha).toBe(head);
  }, 90_000);

  it("records the same delivery sent twice as one trigger, even after its run", async () => {
    const stack = await Stack.start(shared, { name: "dup", sourceUrl: source.url });
    stacks.push(stack);
    const delivery = randomUUID();
    const a = await stack.push({ delivery });
    const b = await stack.push({ delivery });
    expect(a.status, a.body).toBeLessThan(300);
    expect(b.status, b.body).toBeLessThan(300);

    const runId = await stack.runOf(delivery);
    const run = await stack.finished(runId);
    expect(run.status, stack.logs).toBe("succeeded");
    expect(run.triggers.map((t) => t.id)).toEqual([delivery]);

    // Redelivered once more after its run ended, then a new push as a marker: the marker's run
    // is the only other run and holds only the marker.
    const c = await stack.push({ delivery });
    expect(c.status, c.body).toBeLessThan(300);
    // The marker's push changed the data, as a push does: its run commits.
    await source.sql`insert into users values (100001, 'marker')`;
    const marker = await stack.push();
    expect(marker.status, marker.body).toBeLessThan(300);
    const markerRun = await stack.finished(await stack.runOf(marker.delivery));
    expect(markerRun.status, stack.logs).toBe("succeeded");
    expect(markerRun.triggers.map((t) => t.id)).toEqual([marker.delivery]);
    const runs = await stack.runs();
    expect(runs.map((r) => r.id).sort()).toEqual([runId, markerRun.id].sort());
    expect(runs.flatMap((r) => r.triggers.map((t) => t.id)).sort()).toEqual(
      [delivery, marker.delivery].sort(),
    );
    const { count, head } = await stack.commits();
    expect(count).toBe(3);
    expect(markerRun.commit?.sha).toBe(head);
  }, 90_000);
});
