import type { Bus } from "@tablesnap/bus";
import { type App, probe } from "@tablesnap/http";
import { INGRESS_ROUTES } from "./routes.ts";

/**
 * The ingress's own probes: `/healthz` is 200 while the process serves HTTP, `/readyz` is 200
 * when NATS answers `bus.health()` within 2 s and 503 otherwise (the webhooks would get 503 too).
 * Same bodies as the status API's, whose routes `combinedApp` uses instead of these.
 */
export function healthRoutes(app: App, bus: Pick<Bus, "health">): void {
  app.openapi(INGRESS_ROUTES.healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(INGRESS_ROUTES.readyz, async (c) => {
    const nats = await probe(() => bus.health());
    return c.json(
      { status: nats.ok ? "ready" : "not_ready", checks: { nats } },
      nats.ok ? 200 : 503,
    );
  });
}
