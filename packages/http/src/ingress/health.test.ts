import { MemoryBus } from "@tablesnap/bus";
import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { envConfig, silent } from "../../test/fixtures.ts";
import { combinedApp } from "../combined.ts";
import { ingressApp } from "./app.ts";

describe("ingress /healthz and /readyz", () => {
  it("is alive always and ready while NATS answers", async () => {
    const bus = new MemoryBus();
    const app = ingressApp({ config: envConfig(), bus, logger: silent });
    const health = await app.request("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { nats: { ok: true } } });

    bus.setAvailable(false);
    expect((await app.request("/healthz")).status).toBe(200);
    const down = await app.request("/readyz");
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: "not_ready",
      checks: { nats: { ok: false } },
    });
    bus.setAvailable(true);
    expect((await app.request("/readyz")).status).toBe(200);
  });

  it("answers 503 when bus.health() rejects", async () => {
    const bus = Object.assign(new MemoryBus(), {
      health: () => Promise.reject(new TypeError("boom")),
    });
    const app = ingressApp({ config: envConfig(), bus, logger: silent });
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      checks: { nats: { ok: false, detail: "TypeError" } },
    });
  });

  it("is registered once: combinedApp serves the status API's, which check the state store too", async () => {
    const bus = new MemoryBus();
    const state = new MemoryStateStore();
    const app = combinedApp({ config: envConfig(), bus, state, logger: silent });
    for (const path of ["/healthz", "/readyz"]) {
      expect(app.routes.filter((r) => r.method === "GET" && r.path === path)).toHaveLength(1);
    }
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      checks: { nats: { ok: true }, state: { ok: true } },
    });
    const ingress = ingressApp({ config: envConfig(), bus, logger: silent });
    for (const path of ["/healthz", "/readyz"]) {
      expect(ingress.routes.filter((r) => r.method === "GET" && r.path === path)).toHaveLength(1);
    }
  });
});
