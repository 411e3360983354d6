import { MemoryBus } from "@tablesnap/bus";
import { envConfig, silent, TOKENS } from "@tablesnap/http/testing";
import { migrate, PgStateStore } from "@tablesnap/state";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAST_SUCCESS, SLACK_URL, seedRuns } from "../test/seed.ts";
import { statusApp } from "./app.ts";

describe("status API on a PgStateStore", () => {
  let db: ScratchDatabase;
  let state: PgStateStore;
  let ids: Awaited<ReturnType<typeof seedRuns>>;
  const now = new Date(LAST_SUCCESS.getTime() + 3_600_000);
  const auth = { headers: { authorization: `Bearer ${TOKENS.ops}` } };

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_http");
    await migrate(db.url);
    state = PgStateStore.open(db.url);
    ids = await seedRuns(state);
  });
  afterAll(async () => {
    await state?.close();
    await db?.drop();
  });

  const app = () =>
    statusApp({ config: envConfig(), state, bus: new MemoryBus(), now: () => now, logger: silent });

  it("is ready, and summarises the target", async () => {
    expect((await app().request("/readyz")).status).toBe(200);
    const res = await app().request("/api/v1/targets/default", auth);
    expect(await res.json()).toMatchObject({
      last_success: { id: ids.succeeded },
      last_failure: { id: ids.failed },
      pending: { id: ids.pending },
      freshness: { fresh: true, age_seconds: 3600 },
    });
  });

  it("pages the runs and shows one in full, never with response_url", async () => {
    const page = await app().request("/api/v1/targets/default/runs?limit=2", auth);
    const body = (await page.json()) as { runs: { id: string }[]; next_cursor: string };
    expect(body.runs.map((r) => r.id)).toEqual([ids.pending, ids.failed]);
    const next = await app().request(
      `/api/v1/targets/default/runs?cursor=${body.next_cursor}`,
      auth,
    );
    expect(((await next.json()) as { runs: { id: string }[] }).runs.map((r) => r.id)).toEqual([
      ids.succeeded,
    ]);
    const run = await app().request(`/api/v1/runs/${ids.succeeded}`, auth);
    const text = await run.text();
    expect(run.status).toBe(200);
    expect(text).not.toContain(SLACK_URL);
    expect(JSON.parse(text)).toMatchObject({ totals: { tables: 2, rows: 15, bytes: 1500 } });
    expect((await app().request("/api/v1/runs/not-a-uuid", auth)).status).toBe(404);
    expect(
      (await app().request("/api/v1/runs/0190f6d4-0000-7000-8000-000000000000", auth)).status,
    ).toBe(404);
  });

  it("serves freshness and metrics from the database", async () => {
    expect((await app().request("/api/v1/targets/default/freshness", auth)).status).toBe(200);
    const metrics = await (await app().request("/metrics")).text();
    expect(metrics).toContain('tablesnap_runs{target="default",status="failed"} 1');
  });
});
