import { RUN_STATUSES } from "@tablesnap/state";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const reply = (description: string, schema: unknown = ref("Error")) => ({
  description,
  content: json(schema),
});
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), reply(`error (${c})`)]));
const targetParam = { name: "target", in: "path", required: true, schema: { type: "string" } };
const bearer = [{ bearer: [] }];
const nullable = (type: string) => ({ type: [type, "null"] });
const runOrNull = { oneOf: [ref("Run"), { type: "null" }] };

/** A trigger as every view shows it; Slack's response_url is never among them. */
const triggerProps = {
  id: { type: "string" },
  target: { type: "string" },
  source: { type: "string" },
  event: { enum: ["push", "pr", "schedule", "manual"] },
  ref: { type: "string" },
  actor: nullable("string"),
  note: nullable("string"),
  received_at: { type: "string", format: "date-time" },
};

/** A run as `runView` gives it. */
const runProps = {
  id: { type: "string" },
  target: { type: "string" },
  status: { enum: [...RUN_STATUSES] },
  created_at: { type: "string", format: "date-time" },
  not_before: { type: "string", format: "date-time" },
  started_at: nullable("string"),
  finished_at: nullable("string"),
  deadline: nullable("string"),
  duration_seconds: nullable("number"),
  error: nullable("string"),
  backup_id: nullable("string"),
  commit: {
    type: ["object", "null"],
    properties: { sha: { type: "string" }, url: nullable("string") },
  },
  writes: nullable("integer"),
};

/** The OpenAPI 3.1 description of every tablesnap HTTP route (status API and ingress). */
export const openApiDocument = {
  openapi: "3.1.0",
  info: { title: "tablesnap", version: "1", description: "Status API and ingress of tablesnap." },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message", "request_id"],
            properties: {
              code: { type: "string" },
              message: { type: "string", description: "What to do about it." },
              request_id: { type: "string" },
            },
          },
        },
      },
      Trigger: { type: "object", required: Object.keys(triggerProps), properties: triggerProps },
      Run: { type: "object", required: Object.keys(runProps), properties: runProps },
      ListedRun: {
        type: "object",
        description: "A run with its triggers and what its tables add up to",
        required: [...Object.keys(runProps), "triggers", "totals"],
        properties: {
          ...runProps,
          triggers: { type: "array", items: ref("Trigger") },
          totals: ref("RunTotals"),
        },
      },
      RunTotals: {
        type: "object",
        required: ["tables", "done", "failed", "rows", "bytes"],
        properties: {
          tables: { type: "integer" },
          done: { type: "integer", description: "tables done or skipped" },
          failed: { type: "integer" },
          rows: { type: "integer" },
          bytes: { type: "integer" },
        },
      },
      RunDetail: {
        type: "object",
        description: "A run with every trigger and every table's status",
        required: [...Object.keys(runProps), "triggers", "tables", "totals", "changes"],
        properties: {
          ...runProps,
          triggers: { type: "array", items: ref("Trigger") },
          tables: { type: "array", items: ref("TableStatus") },
          totals: ref("RunTotals"),
          changes: { oneOf: [ref("Changes"), { type: "null" }] },
        },
      },
      Changes: {
        type: "object",
        description:
          "What the run's backup changed against the target's previous one, from the two manifests (null while the run has no manifest)",
        required: ["summary", "since_backup_id", "added", "removed", "changed", "rows_delta"],
        properties: {
          summary: { type: "string" },
          since_backup_id: nullable("string"),
          added: { type: "array", items: { type: "string" } },
          removed: { type: "array", items: { type: "string" } },
          changed: {
            type: "array",
            items: {
              type: "object",
              required: ["table", "data", "schema", "rows_before", "rows_after"],
              properties: {
                table: { type: "string" },
                data: { type: "boolean" },
                schema: { type: "boolean" },
                rows_before: { type: "integer" },
                rows_after: { type: "integer" },
              },
            },
          },
          rows_delta: { type: "integer" },
        },
      },
      TableStatus: {
        type: "object",
        properties: {
          schema: { type: "string" },
          name: { type: "string" },
          status: { type: "string" },
          rows: nullable("integer"),
          bytes: nullable("integer"),
          duration_ms: nullable("integer"),
          attempts: { type: "integer" },
          error: nullable("string"),
        },
      },
      Freshness: {
        type: "object",
        properties: {
          target: { type: "string" },
          fresh: { type: "boolean" },
          age_seconds: nullable("number"),
          limit_seconds: { type: "number" },
          last_success_at: nullable("string"),
          last_success_run_id: nullable("string"),
        },
      },
      TargetSummary: {
        type: "object",
        properties: {
          target: { type: "string" },
          last_success: runOrNull,
          last_failure: runOrNull,
          last_partial: runOrNull,
          running: runOrNull,
          pending: runOrNull,
          freshness: ref("Freshness"),
        },
      },
      Queued: {
        type: "object",
        properties: {
          trigger_id: { type: "string" },
          target: { type: "string" },
          duplicate: { type: "boolean" },
          status_url: {
            type: "string",
            description: "GET it for the run the trigger joined, once the coordinator recorded it",
          },
        },
      },
      TriggerStatus: {
        type: "object",
        description: "A trigger and the run it joined (null while none was chosen).",
        properties: { ...triggerProps, run: runOrNull },
      },
    },
  },
  paths: {
    "/healthz": { get: { summary: "Liveness", responses: { "200": { description: "alive" } } } },
    "/readyz": {
      get: {
        summary:
          "NATS, state database and object store reachable (ingress alone: NATS only); `targets` says which targets are failing (detail only: never 503)",
        responses: { "200": { description: "ready" }, "503": { description: "not ready" } },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics (text format 0.0.4)",
        responses: { "200": { description: "metrics", content: { "text/plain": {} } } },
      },
    },
    "/api/v1/openapi.json": {
      get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } },
    },
    "/api/v1/targets": {
      get: {
        summary: "Every target with its last runs and freshness",
        security: bearer,
        responses: {
          "200": reply("targets", {
            type: "object",
            properties: { targets: { type: "array", items: ref("TargetSummary") } },
          }),
          ...errors(401),
        },
      },
    },
    "/api/v1/targets/{target}": {
      get: {
        summary: "Last success, last failure, running and pending runs, backup age",
        security: bearer,
        parameters: [targetParam],
        responses: { "200": reply("summary", ref("TargetSummary")), ...errors(401, 404) },
      },
    },
    "/api/v1/targets/{target}/runs": {
      get: {
        summary: "Runs of a target, newest first",
        security: bearer,
        parameters: [
          targetParam,
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100 } },
          { name: "cursor", in: "query", schema: { type: "string" } },
          { name: "status", in: "query", schema: { enum: [...RUN_STATUSES] } },
        ],
        responses: {
          "200": reply("a page of runs", {
            type: "object",
            properties: {
              runs: { type: "array", items: ref("ListedRun") },
              next_cursor: nullable("string"),
            },
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    "/api/v1/targets/{target}/freshness": {
      get: {
        summary: "200 when the last good backup is within the limit, 503 when not",
        security: bearer,
        parameters: [targetParam],
        responses: {
          "200": reply("fresh", ref("Freshness")),
          "503": reply("stale", ref("Freshness")),
          ...errors(401, 404),
        },
      },
    },
    "/api/v1/runs/{id}": {
      get: {
        summary: "A run with every trigger and every table's status, rows, bytes, duration",
        security: bearer,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": reply("run", ref("RunDetail")), ...errors(401, 404) },
      },
    },
    "/api/v1/triggers/{id}": {
      get: {
        summary: "A trigger and the run it joined; 404 until the coordinator recorded it",
        security: bearer,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": reply("trigger", ref("TriggerStatus")), ...errors(401, 404) },
      },
    },
    "/api/v1/targets/{target}/backups": {
      post: {
        summary: "Queue a manual backup (Idempotency-Key header optional)",
        security: bearer,
        parameters: [targetParam],
        requestBody: {
          content: json({
            type: "object",
            properties: { note: { type: "string" }, ref: { type: "string" } },
          }),
        },
        responses: {
          "202": reply("queued", ref("Queued")),
          ...errors(400, 401, 404, 413, 415, 503),
        },
      },
    },
    "/webhooks/github": {
      post: {
        summary: "GitHub App webhook (X-Hub-Signature-256)",
        responses: {
          "200": { description: "ping or ignored, with a reason" },
          "202": { description: "queued" },
          ...errors(400, 401, 413, 415, 503),
        },
      },
    },
    "/slack/commands": {
      post: {
        summary: "Slack slash command /backup (v0 signature)",
        responses: {
          "200": { description: "ephemeral answer" },
          ...errors(400, 401, 413, 415, 503),
        },
      },
    },
  },
} as const;
