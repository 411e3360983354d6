import type { BusHealth } from "@tablesnap/bus";
import { type Config, findTarget } from "@tablesnap/config";
import {
  type AppEnv,
  badRequest,
  type Clock,
  type Logger,
  newApp,
  notFound,
  requireToken,
  silentLogger,
} from "@tablesnap/http";
import { decodeCursor, RUN_STATUSES, type StateStore } from "@tablesnap/state";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { changesView, runChanges } from "./changes.ts";
import { addDashboardRoutes } from "./dashboard/routes.ts";
import { renderMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { readiness } from "./ready.ts";
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

const runsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  cursor: z.string().min(1).max(512).optional(),
});

/**
 * Adds the status routes: health, readiness, targets, runs, freshness, OpenAPI, metrics, and the
 * dashboard that reads the same state.
 */
export function addStatusRoutes(app: Hono<AppEnv>, options: StatusOptions): Hono<AppEnv> {
  const { config, state } = options;
  const now = options.now ?? (() => new Date());
  const auth = (c: Context) => requireToken(c, config.api.tokens, now());
  const target = (name: string) => {
    const t = findTarget(config, name);
    if (!t)
      throw notFound(`unknown target ${name}; GET /api/v1/targets lists them`, "target_not_found");
    return t;
  };

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const r = await readiness(options);
    return c.json(r, r.status === "ready" ? 200 : 503);
  });
  app.get("/api/v1/openapi.json", (c) => c.json(openApiDocument));
  app.get("/metrics", async (c) => {
    const text = await renderMetrics(config, state, now());
    return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.get("/api/v1/targets", async (c) => {
    auth(c);
    const at = now();
    const targets = await Promise.all(
      config.targets.map(async (t) => summaryView(t, await state.targetSummary(t.name), at)),
    );
    return c.json({ targets });
  });
  app.get("/api/v1/targets/:target", async (c) => {
    auth(c);
    const t = target(c.req.param("target"));
    return c.json(summaryView(t, await state.targetSummary(t.name), now()));
  });
  app.get("/api/v1/targets/:target/runs", async (c) => {
    auth(c);
    const t = target(c.req.param("target"));
    const parsed = runsQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`);
      throw badRequest(
        `invalid query (${issues.join("; ")}); limit 1-100, status one of ${RUN_STATUSES.join("|")}`,
        "invalid_query",
      );
    }
    const { limit, status, cursor } = parsed.data;
    if (cursor !== undefined) decodeCursor(cursor); // InvalidCursorError → 400
    const page = await state.listRuns(t.name, { limit, status, cursor });
    return c.json({ runs: page.runs.map(listedRunView), next_cursor: page.nextCursor });
  });
  app.get("/api/v1/targets/:target/freshness", async (c) => {
    auth(c);
    const t = target(c.req.param("target"));
    const f = freshness(t, await state.targetSummary(t.name), now());
    return c.json(f, f.fresh ? 200 : 503);
  });
  app.get("/api/v1/triggers/:id", async (c) => {
    auth(c);
    const id = c.req.param("id");
    const t = await state.getTrigger(id);
    if (t === null)
      throw notFound(
        `trigger ${id} is not recorded (yet): the coordinator records a trigger within seconds of its queueing; ask again`,
        "trigger_not_found",
      );
    const run = t.runId === null ? null : await state.getRun(t.runId);
    return c.json({ ...triggerView(t), run: run === null ? null : runView(run) });
  });
  app.get("/api/v1/runs/:id", async (c) => {
    auth(c);
    const id = c.req.param("id");
    const run = await state.getRun(id).catch((e: unknown) => {
      // A malformed id is simply not a run (the Pg adapter may refuse it as a uuid).
      if (e instanceof Error && /uuid/i.test(String(e.cause ?? e.message))) return null;
      throw e;
    });
    if (run === null) throw notFound(`run ${id} not found`, "run_not_found");
    return c.json({ ...runDetailView(run), changes: changesView(await runChanges(state, run)) });
  });
  addDashboardRoutes(app, { config, state, now, logger: options.logger ?? silentLogger });
  return app;
}

/**
 * The status API: reads the state store only (never the source database). Bearer token on
 * `/api/v1/*` except the OpenAPI document; `/healthz`, `/readyz`, `/metrics` are open.
 */
export function statusApp(options: StatusOptions): Hono<AppEnv> {
  const app = newApp(options.logger ? { logger: options.logger } : { logger: silentLogger });
  return addStatusRoutes(app, options);
}
