import { z } from "@hono/zod-openapi";
import { RUN_STATUSES, TABLE_STATUSES } from "@tablesnap/state";

/**
 * The status API's answers as zod schemas: the OpenAPI document is generated from them (each
 * route names its answers), and the views' types are checked against them.
 */
const iso = z.string().openapi({ format: "date-time" });

export const TriggerSchema = z
  .object({
    id: z.string(),
    target: z.string(),
    source: z.string(),
    event: z.enum(["push", "pr", "schedule", "manual"]),
    ref: z.string(),
    actor: z.string().nullable(),
    note: z.string().nullable(),
    received_at: iso,
  })
  .openapi("Trigger", { description: "Slack's response_url is never among its fields" });

const runFields = {
  id: z.string(),
  target: z.string(),
  status: z.enum(RUN_STATUSES),
  created_at: iso,
  not_before: iso,
  started_at: iso.nullable(),
  finished_at: iso.nullable(),
  deadline: iso.nullable(),
  duration_seconds: z.number().nullable(),
  error: z.string().nullable(),
  backup_id: z.string().nullable(),
  commit: z.object({ sha: z.string(), url: z.string().nullable() }).nullable(),
  writes: z.number().int().nullable(),
};

export const RunSchema = z.object(runFields).openapi("Run");

export const RunTotalsSchema = z
  .object({
    tables: z.number().int(),
    done: z.number().int().openapi({ description: "tables done or skipped" }),
    failed: z.number().int(),
    rows: z.number().int(),
    bytes: z.number().int(),
  })
  .openapi("RunTotals");

export const ListedRunSchema = z
  .object({ ...runFields, triggers: z.array(TriggerSchema), totals: RunTotalsSchema })
  .openapi("ListedRun", { description: "A run with its triggers and what its tables add up to" });

export const TableStatusSchema = z
  .object({
    schema: z.string(),
    name: z.string(),
    status: z.enum(TABLE_STATUSES),
    rows: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    duration_ms: z.number().int().nullable(),
    attempts: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi("TableStatus");

export const ChangesSchema = z
  .object({
    summary: z.string(),
    since_backup_id: z.string().nullable(),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(
      z.object({
        table: z.string(),
        data: z.boolean(),
        schema: z.boolean(),
        rows_before: z.number().int(),
        rows_after: z.number().int(),
      }),
    ),
    rows_delta: z.number().int(),
  })
  .openapi("Changes", {
    description:
      "What the run's backup changed against the target's previous one, from the two manifests",
  });

export const RunDetailSchema = z
  .object({
    ...runFields,
    triggers: z.array(TriggerSchema),
    tables: z.array(TableStatusSchema),
    totals: RunTotalsSchema,
    changes: ChangesSchema.nullable(),
  })
  .openapi("RunDetail", { description: "A run with every trigger and every table's status" });

export const FreshnessSchema = z
  .object({
    target: z.string(),
    fresh: z.boolean(),
    age_seconds: z.number().nullable(),
    limit_seconds: z.number(),
    last_success_at: iso.nullable(),
    last_success_run_id: z.string().nullable(),
  })
  .openapi("Freshness");

export const TargetSummarySchema = z
  .object({
    target: z.string(),
    last_success: RunSchema.nullable(),
    last_failure: RunSchema.nullable(),
    last_partial: RunSchema.nullable(),
    running: RunSchema.nullable(),
    pending: RunSchema.nullable(),
    freshness: FreshnessSchema,
  })
  .openapi("TargetSummary");

export const TriggerStatusSchema = z
  .object({ ...TriggerSchema.shape, run: RunSchema.nullable() })
  .openapi("TriggerStatus", {
    description: "A trigger and the run it joined (null while none was chosen)",
  });

export const RunsPageSchema = z.object({
  runs: z.array(ListedRunSchema),
  next_cursor: z.string().nullable(),
});

export const TargetParam = z.object({
  target: z.string().openapi({ param: { name: "target", in: "path" } }),
});
export const IdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" } }),
});
