import {
  BEARER,
  createRoute,
  errorResponses,
  HEALTHZ_ROUTE,
  jsonResponse,
  z,
} from "@tablesnap/http";
import { RUN_STATUSES } from "@tablesnap/state";
import {
  FreshnessSchema,
  IdParam,
  RunDetailSchema,
  RunsPageSchema,
  TargetParam,
  TargetSummarySchema,
  TriggerStatusSchema,
} from "./schemas.ts";

/** The status API's routes: what each takes and answers, the source of the OpenAPI document. */
export const ROUTES = {
  healthz: HEALTHZ_ROUTE,
  readyz: createRoute({
    method: "get",
    path: "/readyz",
    summary:
      "NATS, state database and object store reachable; `targets` says which targets are failing (detail only: never 503)",
    responses: {
      200: { description: "ready" },
      503: { description: "not ready" },
    },
  }),
  metrics: createRoute({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics (text format 0.0.4)",
    responses: {
      200: { description: "metrics", content: { "text/plain": { schema: z.string() } } },
    },
  }),
  targets: createRoute({
    method: "get",
    path: "/api/v1/targets",
    summary: "Every target with its last runs and freshness",
    security: BEARER,
    responses: {
      200: jsonResponse("targets", z.object({ targets: z.array(TargetSummarySchema) })),
      ...errorResponses(401),
    },
  }),
  target: createRoute({
    method: "get",
    path: "/api/v1/targets/{target}",
    summary: "Last success, last failure, running and pending runs, backup age",
    security: BEARER,
    request: { params: TargetParam },
    responses: { 200: jsonResponse("summary", TargetSummarySchema), ...errorResponses(401, 404) },
  }),
  runs: createRoute({
    method: "get",
    path: "/api/v1/targets/{target}/runs",
    summary: "Runs of a target, newest first",
    security: BEARER,
    request: {
      params: TargetParam,
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(100).optional(),
        status: z.enum(RUN_STATUSES).optional(),
        cursor: z.string().min(1).max(512).optional(),
      }),
    },
    responses: {
      200: jsonResponse("a page of runs", RunsPageSchema),
      ...errorResponses(400, 401, 404),
    },
  }),
  freshness: createRoute({
    method: "get",
    path: "/api/v1/targets/{target}/freshness",
    summary: "200 when the last good backup is within the limit, 503 when not",
    security: BEARER,
    request: { params: TargetParam },
    responses: {
      200: jsonResponse("fresh", FreshnessSchema),
      503: jsonResponse("stale", FreshnessSchema),
      ...errorResponses(401, 404),
    },
  }),
  run: createRoute({
    method: "get",
    path: "/api/v1/runs/{id}",
    summary: "A run with every trigger, every table's status, and what its backup changed",
    security: BEARER,
    request: { params: IdParam },
    responses: { 200: jsonResponse("run", RunDetailSchema), ...errorResponses(401, 404) },
  }),
  trigger: createRoute({
    method: "get",
    path: "/api/v1/triggers/{id}",
    summary: "A trigger and the run it joined; 404 until the coordinator recorded it",
    security: BEARER,
    request: { params: IdParam },
    responses: { 200: jsonResponse("trigger", TriggerStatusSchema), ...errorResponses(401, 404) },
  }),
};
