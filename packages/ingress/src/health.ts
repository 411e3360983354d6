import type { Bus } from "@tablesnap/bus";
import { type AppEnv, probe } from "@tablesnap/http";
import type { Hono } from "hono";

/**
 * The ingress's own probes: `/healthz` is 200 while the process serves HTTP, `/readyz` is 200
 * when NATS answers `bus.health()` within 2 s and 503 otherwise (the webhooks would get 503 too).
 * Same bodies as the status API's, whose routes `combinedApp` uses instead of these.
 */
export function healthRoutes(app: Hono<AppEnv>, bus: Pick<Bus, "health">): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const nats = await probe(() => bus.health());
    return c.json(
      { status: nats.ok ? "ready" : "not_ready", checks: { nats } },
      nats.ok ? 200 : 503,
    );
  });
}
