import { MemoryBus } from "@tablesnap/bus";
import { envConfig, silent, TOKENS } from "@tablesnap/http/testing";
import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { LAST_SUCCESS, SLACK_URL, seedRuns } from "../test/seed.ts";
import { statusApp } from "./app.ts";

const auth = { authorization: `Bearer ${TOKENS.ci}` };
const hours = (h: number) => new Date(LAST_SUCCESS.getTime() + h * 3_600_000);

async function setup(now = hours(2)) {
  const state = new MemoryStateStore();
  const ids = await seedRuns(state);
  const bus = new MemoryBus();
  const app = statusApp({ config: envConfig(), state, bus, now: () => now, logger: silent });
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const res = await app.request(path, { headers });
    const text = await res.text();
    expect(text).not.toContain(SLACK_URL); // response_url is a credential, never shown
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, res };
  };
  return { app, state, bus, ids, get };
}

describe("status API", () => {
  it("answers /healthz and /readyz, 503 when a dependency is down", async () => {
    const { get, bus, state } = await setup();
    expect((await get("/healthz", {})).status).toBe(200);
    expect((await get("/readyz", {})).status).toBe(200);
    bus.setAvailable(false);
    const down = await get("/readyz", {});
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: "not_ready", checks: { nats: { ok: false } } });
    bus.setAvailable(true);
    // The seeded target's newest run failed after its last success: failing, yet still ready.
    const ready = await get("/readyz", {});
    const summary = await state.targetSummary("default");
    expect(ready.status).toBe(200);
    expect(ready.body["targets"]).toEqual({
      default: { state: "failing", since: summary.lastFailure?.finishedAt?.toISOString() },
    });
    expect(JSON.stringify(ready.body)).not.toContain("pg_dump exited 1");
    const store = { ping: () => Promise.reject(new Error("s3 down")) };
    const app = statusApp({ config: envConfig(), state, bus, store });
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
  });

  it("lists targets and summarises one", async () => {
    const { get, ids } = await setup();
    const list = await get("/api/v1/targets");
    expect(list.status).toBe(200);
    expect((list.body["targets"] as unknown[]).length).toBe(1);
    const one = await get("/api/v1/targets/default");
    expect(one.body).toMatchObject({
      target: "default",
      last_success: { id: ids.succeeded, status: "succeeded" },
      last_failure: { id: ids.failed, error: "pg_dump exited 1" },
      running: null,
      pending: { id: ids.pending },
      freshness: { fresh: true, age_seconds: 7200, limit_seconds: 26 * 3600 },
    });
  });

  it("pages runs with cursor and filters by status", async () => {
    const { get, ids } = await setup();
    const first = await get("/api/v1/targets/default/runs?limit=2");
    const runs = first.body["runs"] as { id: string; triggers: { id: string }[] }[];
    expect(runs.map((r) => r.id)).toEqual([ids.pending, ids.failed]);
    const cursor = first.body["next_cursor"] as string;
    const second = await get(`/api/v1/targets/default/runs?limit=2&cursor=${cursor}`);
    const last = (second.body["runs"] as Record<string, unknown>[])[0];
    expect(last).toMatchObject({
      id: ids.succeeded,
      commit: { sha: expect.stringMatching(/^c0ffee/) },
    });
    expect((last?.["triggers"] as unknown[] | undefined)?.length).toBe(2);
    expect(second.body["next_cursor"]).toBeNull();
    const failed = await get("/api/v1/targets/default/runs?status=failed");
    expect((failed.body["runs"] as unknown[]).length).toBe(1);
  });

  it.each(["limit=0", "limit=abc", "limit=101", "status=done", "cursor=garbage", "other=1"])(
    "answers 400 for ?%s",
    async (query) => {
      const { get } = await setup();
      const res = await get(`/api/v1/targets/default/runs?${query}`);
      expect(res.status).toBe(400);
      expect(res.body["error"]).toMatchObject({ request_id: expect.any(String) });
    },
  );

  it("shows a run with its triggers and tables", async () => {
    const { get, ids } = await setup();
    const { status, body } = await get(`/api/v1/runs/${ids.succeeded}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: "succeeded",
      commit: { url: "https://github.com/acme/backups/commit/c0ffee" },
      totals: { tables: 2, rows: 15, bytes: 1500 },
    });
    const tables = body["tables"] as Record<string, unknown>[];
    expect(tables).toContainEqual(
      expect.objectContaining({
        name: "users",
        status: "done",
        rows: 10,
        bytes: 1000,
        duration_ms: 40,
      }),
    );
    const triggers = body["triggers"] as Record<string, unknown>[];
    expect(triggers.map((t) => t["id"]).sort()).toEqual(["default-p1", "default-s1"]);
    expect(triggers.every((t) => !("response_url" in t))).toBe(true);
    expect((await get("/api/v1/runs/nope")).status).toBe(404);
  });

  it("shows a trigger with the run it joined, and 404 before it is recorded", async () => {
    const { get, ids } = await setup();
    const { status, body } = await get("/api/v1/triggers/default-s1");
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: "default-s1", target: "default" });
    expect(body["run"]).toMatchObject({ id: ids.succeeded, status: "succeeded" });
    expect("response_url" in body).toBe(false);
    const missing = await get("/api/v1/triggers/api%3Aci%3Anot-yet");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "trigger_not_found" } });
  });

  it("answers freshness 200 within the limit and 503 past it", async () => {
    const fresh = await (await setup(hours(25))).get("/api/v1/targets/default/freshness");
    expect(fresh.status).toBe(200);
    const stale = await (await setup(hours(27))).get("/api/v1/targets/default/freshness");
    expect(stale.status).toBe(503);
    expect(stale.body).toMatchObject({ fresh: false, age_seconds: 27 * 3600 });
  });

  it("needs a bearer token and knows its targets", async () => {
    const { get } = await setup();
    for (const path of ["/api/v1/targets", "/api/v1/targets/default/runs", "/api/v1/runs/x"]) {
      expect((await get(path, {})).status).toBe(401);
      expect((await get(path, { authorization: "Bearer wrong" })).status).toBe(401);
    }
    for (const path of [
      "/api/v1/targets/nope",
      "/api/v1/targets/nope/runs",
      "/api/v1/targets/nope/freshness",
    ]) {
      expect((await get(path)).status).toBe(404);
    }
    expect((await get("/api/v1/targets", {})).body["error"]).toMatchObject({
      code: "unauthorized",
    });
  });

  it("writes Prometheus metrics", async () => {
    const { app } = await setup();
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toContain('tablesnap_runs{target="default",status="succeeded"} 1');
    expect(text).toContain('tablesnap_runs{target="default",status="pending"} 1');
    expect(text).toContain('tablesnap_triggers{target="default",source="github",event="push"} 3');
    expect(text).toContain('tablesnap_triggers{target="default",source="slack",event="manual"} 1');
    expect(text).toContain(
      `tablesnap_last_success_timestamp_seconds{target="default"} ${LAST_SUCCESS.getTime() / 1000}`,
    );
    expect(text).toContain('tablesnap_backup_age_seconds{target="default"} 7200');
    for (const line of text.trim().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+\{[^}]*\} (-?[\d.e+]+|NaN))$/);
    }
  });
});
