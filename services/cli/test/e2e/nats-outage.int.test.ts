// NATS stopped, end to end: the ingress answers 503 (the sender redelivers later); NATS started
// again on the same port and store, a new push is accepted and flows to a commit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSource,
  type ScratchDatabase,
  type Shared,
  Stack,
  startShared,
  until,
} from "./harness.ts";

describe("end to end: NATS outage", () => {
  let shared: Shared;
  let source: ScratchDatabase;
  let stack: Stack | undefined;

  beforeAll(async () => {
    [shared, source] = await Promise.all([startShared(), createSource("tsnap_e2e_nats_src")]);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await source?.drop();
    await shared?.close();
  }, 60_000);

  it("answers 503 while NATS is down, and turns pushes into a commit once it is back", async () => {
    const s = await Stack.start(shared, { name: "natsdown", sourceUrl: source.url });
    stack = s;
    // Everything works before the outage.
    const before = await s.push();
    expect(before.status, before.body).toBeLessThan(300);
    const firstRun = await s.finished(await s.runOf(before.delivery));
    expect(firstRun.status, s.logs).toBe("succeeded");
    // The next push changes the data, as pushes do: its run commits.
    await source.sql`insert into users values (100001, 'after the outage')`;

    await shared.nats.kill();
    const refused = await s.push();
    expect(refused.status, `${refused.body}\n${s.logs}`).toBe(503);

    await shared.nats.start();
    // The services reconnect in the background: a push is accepted once the ingress is back.
    const accepted = await until(
      "the ingress to accept a push again",
      async () => {
        const r = await s.push();
        if (r.status !== 503) return r;
        return undefined;
      },
      30_000,
      () => `${s.logs}\n${shared.nats.logs}`,
    );
    expect(accepted.status, accepted.body).toBeLessThan(300);
    const run = await s.finished(await s.runOf(accepted.delivery), 60_000);
    expect(run.status, s.logs).toBe("succeeded");
    expect(run.triggers.map((t) => t.id)).toContain(accepted.delivery);

    // Every trigger recorded came from a push sent; every run succeeded with its own commit.
    const runs = await s.runs();
    const sent = [before.delivery, refused.delivery, accepted.delivery];
    for (const r of runs) {
      expect(r.status, JSON.stringify(r)).toBe("succeeded");
      for (const t of r.triggers) expect(sent).toContain(t.id);
    }
    const { count, head } = await s.commits();
    expect(count).toBe(1 + runs.length);
    expect(runs[0]?.commit?.sha).toBe(head);
  }, 90_000);
});
