import { MemoryBus } from "@tablesnap/bus";
import { envConfig } from "@tablesnap/http/testing";
import { ingressApp } from "@tablesnap/ingress";
import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { combinedApp } from "./combined.ts";
import { DASHBOARD_PATHS } from "./dashboard/routes.ts";

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };

/** Every route an app serves (the dashboard's HTML aside) has its operation in `doc`, and no more. */
function expectDocumented(app: { routes: { method: string; path: string }[] }, doc: Doc) {
  // A route with validators is listed once per handler: one operation each.
  const seen = new Set<string>();
  const routes = app.routes.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (r.method === "ALL" || DASHBOARD_PATHS.includes(r.path) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
  }
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m} ${p}`),
  );
  expect(documented.length).toBe(routes.length);
  return routes;
}

describe("GET /api/v1/openapi.json, generated from the routes", () => {
  it("describes every route of the combined app (status API and ingress)", async () => {
    const app = combinedApp({
      config: envConfig(),
      bus: new MemoryBus(),
      state: new MemoryStateStore(),
    });
    const res = await app.request("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
    expect(expectDocumented(app, doc).length).toBeGreaterThanOrEqual(13);
    for (const p of DASHBOARD_PATHS) expect(app.routes.map((r) => r.path)).toContain(p);
  });

  it("describes every route of the ingress alone, its /healthz and /readyz included", async () => {
    const app = ingressApp({ config: envConfig(), bus: new MemoryBus() });
    const doc = (await (await app.request("/api/v1/openapi.json")).json()) as Doc;
    const routes = expectDocumented(app, doc);
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(["/healthz", "/readyz"]));
  });
});
