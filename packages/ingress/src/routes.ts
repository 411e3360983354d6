import {
  BEARER,
  createRoute,
  errorResponses,
  HEALTHZ_ROUTE,
  jsonResponse,
  z,
} from "@tablesnap/http";

/** `POST …/backups`'s body: both fields optional, nothing else. */
export const BackupRequestSchema = z.strictObject({
  note: z.string().max(500).optional(),
  ref: z.string().min(1).max(200).optional(),
});

export const QueuedSchema = z
  .object({
    trigger_id: z.string(),
    target: z.string(),
    duplicate: z.boolean(),
    status_url: z.string().openapi({
      description: "GET it for the run the trigger joined, once the coordinator recorded it",
    }),
  })
  .openapi("Queued");

/** The ingress's routes: the source of their part of the OpenAPI document. */
export const INGRESS_ROUTES = {
  healthz: HEALTHZ_ROUTE,
  readyz: createRoute({
    method: "get",
    path: "/readyz",
    summary: "NATS reachable (the ingress alone)",
    responses: { 200: { description: "ready" }, 503: { description: "not ready" } },
  }),
  backups: createRoute({
    method: "post",
    path: "/api/v1/targets/{target}/backups",
    summary: "Queue a manual backup (Idempotency-Key header optional); an operator's token",
    security: BEARER,
    request: {
      params: z.object({ target: z.string() }),
      headers: z.object({ "idempotency-key": z.string().max(200).optional() }),
      body: { required: false, content: { "application/json": { schema: BackupRequestSchema } } },
    },
    responses: {
      202: jsonResponse("queued", QueuedSchema),
      ...errorResponses(400, 401, 403, 404, 413, 415, 503),
    },
  }),
  github: createRoute({
    method: "post",
    path: "/webhooks/github",
    summary: "GitHub App webhook (X-Hub-Signature-256)",
    responses: {
      200: { description: "ping or ignored, with a reason" },
      202: { description: "queued" },
      ...errorResponses(400, 401, 413, 415, 503),
    },
  }),
  slack: createRoute({
    method: "post",
    path: "/slack/commands",
    summary: "Slack slash command /backup (v0 signature)",
    responses: {
      200: { description: "ephemeral answer" },
      ...errorResponses(400, 401, 413, 415, 503),
    },
  }),
};
