import { MemoryBus } from "@tablesnap/bus";
import { envConfig, silent } from "@tablesnap/http/testing";
import { ingressApp } from "@tablesnap/ingress";
import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { combinedApp } from "./combined.ts";

describe("combinedApp: ingress and status API on one port", () => {
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
