import { MemoryBus } from "@tablesnap/bus";
import { describe, expect, it } from "vitest";
import { envConfig, silent } from "../test/fixtures.ts";
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
});
