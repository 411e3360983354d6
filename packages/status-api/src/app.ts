import type { BusHealth } from "@tablesnap/bus";
import { type Config, findTarget } from "@tablesnap/config";
import {
  type App,
  badRequest,
  type Clock,
  type Logger,
  newApp,
  notFound,
  requireToken,
  serveOpenApiDocument,
  silentLogger,
} from "@tablesnap/http";
import { decodeCursor, RUN_STATUSES, type StateStore } from "@tablesnap/state";
import type { Context } from "hono";
import { changesView, runChanges } from "./changes.ts";
import { addDashboardRoutes } from "./dashboard/routes.ts";
import { renderMetrics } from "./metrics.ts";
import { readiness } from "./ready.ts";
import { ROUTES } from "./routes.ts";
import {
  freshness,
  listedRunView,
  runDetailView,
  runView,
  summaryView,
  triggerView,
} from "./views.ts";

export interface StatusOptions {
  readonly config: Config;
  readonly state: StateStore;
  /** NATS readiness (`bus.health()`); not checked when absent. */
  readonly bus?: { health(): Promise<BusHealth> } | undefined;
  /** Object store readiness: resolves when reachable; not checked when absent. */
  readonly store?: { ping(): Promise<unknown> } | undefined;
  readonly now?: Clock;
  readonly logger?: Logger;
}

/**
 * Adds the status routes: health, readiness, targets, runs, freshness, OpenAPI, metrics, and the
 * dashboard that reads the same state. Each API route is declared in ROUTES, from which the
 * OpenAPI document is generated.
 */
export function addStatusRoutes(app: App, options: StatusOptions): App {
  const { config, state } = options;
  const now = options.now ?? (() => new Date());
  const auth = (c: Context) => requireToken(c, config.api.tokens, now());
  const target = (name: string) => {
    const t = findTarget(config, name);
    if (!t)
      throw notFound(`unknown target ${name}; GET /api/v1/targets lists them`, "target_not_found");
    return t;
  };

  app.openapi(ROUTES.healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(ROUTES.readyz, async (c) => {
    const r = await readiness(options);
    return c.json(r, r.status === "ready" ? 200 : 503);
  });
  serveOpenApiDocument(app);
  app.openapi(ROUTES.metrics, async (c) => {
    const text = await renderMetrics(config, state, now());
    return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.openapi(ROUTES.targets, async (c) => {
    auth(c);
    const at = now();
    const targets = await Promise.all(
      config.targets.map(async (t) => summaryView(t, await state.targetSummary(t.name), at)),
    );
    return c.json({ targets }, 200);
  });
  app.openapi(ROUTES.target, async (c) => {
    auth(c);
    const t = target(c.req.valid("param").target);
    return c.json(summaryView(t, await state.targetSummary(t.name), now()), 200);
  });
  app.openapi(
    ROUTES.runs,
    async (c) => {
      auth(c);
      const t = target(c.req.valid("param").target);
      const { limit, status, cursor } = c.req.valid("query");
      if (cursor !== undefined) decodeCursor(cursor); // InvalidCursorError → 400
      const page = await state.listRuns(t.name, { limit, status, cursor });
      return c.json({ runs: page.runs.map(listedRunView), next_cursor: page.nextCursor }, 200);
    },
    (result) => {
      if (result.success) return undefined;
      const issues = result.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`);
      throw badRequest(
        `invalid query (${issues.join("; ")}); limit 1-100, status one of ${RUN_STATUSES.join("|")}`,
        "invalid_query",
      );
    },
  );
  app.openapi(ROUTES.freshness, async (c) => {
    auth(c);
    const t = target(c.req.valid("param").target);
    const f = freshness(t, await state.targetSummary(t.name), now());
    return f.fresh ? c.json(f, 200) : c.json(f, 503);
  });
  app.openapi(ROUTES.trigger, async (c) => {
    auth(c);
    const { id } = c.req.valid("param");
    const t = await state.getTrigger(id);
    if (t === null)
      throw notFound(
        `trigger ${id} is not recorded (yet): the coordinator records a trigger within seconds of its queueing; ask again`,
        "trigger_not_found",
      );
    const run = t.runId === null ? null : await state.getRun(t.runId);
    return c.json({ ...triggerView(t), run: run === null ? null : runView(run) }, 200);
  });
  app.openapi(ROUTES.run, async (c) => {
    auth(c);
    const { id } = c.req.valid("param");
    const run = await state.getRun(id).catch((e: unknown) => {
      // A malformed id is simply not a run (the Pg adapter may refuse it as a uuid).
      if (e instanceof Error && /uuid/i.test(String(e.cause ?? e.message))) return null;
      throw e;
    });
    if (run === null) throw notFound(`run ${id} not found`, "run_not_found");
    const changes = changesView(await runChanges(state, run));
    return c.json({ ...runDetailView(run), changes }, 200);
  });
  addDashboardRoutes(app, { config, state, now, logger: options.logger ?? silentLogger });
  return app;
}

/**
 * The status API: reads the state store only (never the source database). Bearer token on
 * `/api/v1/*` except the OpenAPI document; `/healthz`, `/readyz`, `/metrics` are open.
 */
export function statusApp(options: StatusOptions): App {
  const app = newApp(options.logger ? { logger: options.logger } : { logger: silentLogger });
  return addStatusRoutes(app, options);
}
