// SIGTERM, as an orchestrator stops the services, after a good run and after a failed one: every
// service (run as deployed: `node services/<name>/src/main.ts`) exits 0 within 20 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSource,
  type ScratchDatabase,
  SERVICES,
  type Shared,
  Stack,
  startShared,
} from "./harness.ts";

describe("end to end: SIGTERM after a failure", () => {
  let shared: Shared;
  let source: ScratchDatabase;
  let stack: Stack | undefined;

  beforeAll(async () => {
    [shared, source] = await Promise.all([startShared(), createSource("tsnap_e2e_stop_src")]);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await source?.drop();
    await shared?.close();
  }, 60_000);

  it("stops every service with exit 0 within 20 s after a run failed to publish", async () => {
    const s = await Stack.start(shared, { name: "stop", sourceUrl: source.url });
    stack = s;
    const good = await s.push();
    expect(good.status, good.body).toBeLessThan(300);
    expect((await s.finished(await s.runOf(good.delivery))).status, s.logs).toBe("succeeded");

    // The backup branch becomes protected: the next run dumps, then fails to publish.
    const [owner = "", repo = ""] = s.repo.split("/");
    shared.h.gh.protectBranch(owner, repo, "main");
    await source.sql`insert into users values (100001, 'changed')`; // so there is a commit to make
    const bad = await s.push();
    expect(bad.status, bad.body).toBeLessThan(300);
    const failed = await s.finished(await s.runOf(bad.delivery));
    expect(failed.status, s.logs).toBe("failed");
    expect(failed.error ?? "").toMatch(/protected/);

    const stopped: Record<string, number | null | "timeout"> = {};
    for (const name of SERVICES) stopped[name] = await s.terminate(name);
    expect(stopped, s.logs).toEqual(Object.fromEntries(SERVICES.map((n) => [n, 0])));
  }, 180_000);
});
