import { MemoryBus } from "@tablesnap/bus";
import { envConfig } from "@tablesnap/http/testing";
import { ingressApp } from "@tablesnap/ingress";
import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { combinedApp } from "./combined.ts";
import { DASHBOARD_PATHS } from "./dashboard/routes.ts";
import { openApiDocument } from "./openapi.ts";

describe("GET /api/v1/openapi.json", () => {
  it("describes every route of the combined app (status API and ingress)", async () => {
    const app = combinedApp({
      config: envConfig(),
      bus: new MemoryBus(),
      state: new MemoryStateStore(),
    });
    const res = await app.request("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as typeof openApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    const routes = app.routes.filter(
      (r) => r.method !== "ALL" && !DASHBOARD_PATHS.includes(r.path),
    );
    expect(routes.length).toBeGreaterThanOrEqual(12);
    // Every dashboard path is one the app serves: the list cannot hide an API route.
    for (const p of DASHBOARD_PATHS) expect(app.routes.map((r) => r.path)).toContain(p);
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, "{$1}");
      expect(paths[path]?.[r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
    }
    const documented = Object.entries(paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect(documented.length).toBe(routes.length);
  });

  it("also describes every route of the ingress alone, its /healthz and /readyz included", () => {
    const app = ingressApp({ config: envConfig(), bus: new MemoryBus() });
    const paths = (openApiDocument as unknown as { paths: Record<string, Record<string, unknown>> })
      .paths;
    const routes = app.routes.filter((r) => r.method !== "ALL");
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(["/healthz", "/readyz"]));
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, "{$1}");
      expect(paths[path]?.[r.method.toLowerCase()], `${r.method} ${path}`).toBeDefined();
    }
  });
});
