import type { FileEntry, Manifest } from "@tablesnap/core";
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** Everything tablesnap keeps lives in this schema, so a shared database is safe. */
export const state = pgSchema("tablesnap");

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const runs = state.table(
  "runs",
  {
    id: text().primaryKey(),
    target: text().notNull(),
    status: text({
      enum: ["pending", "running", "publishing", "succeeded", "unchanged", "partial", "failed"],
    }).notNull(),
    createdAt: at("created_at").notNull(),
    notBefore: at("not_before").notNull(),
    startedAt: at("started_at"),
    finishedAt: at("finished_at"),
    deadline: at("deadline"),
    error: text(),
    snapshotId: text("snapshot_id"),
    backupId: text("backup_id"),
    manifest: jsonb().$type<Manifest>(),
    commitSha: text("commit_sha"),
    commitUrl: text("commit_url"),
    writes: integer(),
  },
  (t) => [
    check(
      "runs_status_check",
      sql`status in ('pending','running','publishing','succeeded','unchanged','partial','failed')`,
    ),
    // The per-target guarantees, enforced by the database whatever the callers do.
    uniqueIndex("runs_one_pending_per_target").on(t.target).where(sql`status = 'pending'`),
    uniqueIndex("runs_one_active_per_target")
      .on(t.target)
      .where(sql`status in ('running', 'publishing')`),
    index("runs_target_created").on(t.target, t.createdAt.desc(), t.id.desc()),
    index("runs_due").on(t.notBefore).where(sql`status = 'pending'`),
    index("runs_deadline").on(t.deadline).where(sql`status in ('running', 'publishing')`),
  ],
);

export const triggers = state.table(
  "triggers",
  {
    id: text().primaryKey(),
    target: text().notNull(),
    source: text().notNull(),
    event: text({ enum: ["push", "pr", "schedule", "manual"] }).notNull(),
    ref: text().notNull(),
    actor: text(),
    note: text(),
    responseUrl: text("response_url"),
    receivedAt: at("received_at").notNull(),
    runId: text("run_id").references(() => runs.id, { onDelete: "set null" }),
  },
  (t) => [index("triggers_run").on(t.runId, t.receivedAt)],
);

export const runTables = state.table(
  "run_tables",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    schema: text().notNull(),
    name: text().notNull(),
    status: text({ enum: ["pending", "running", "done", "failed", "skipped"] }).notNull(),
    rows: bigint({ mode: "number" }),
    bytes: bigint({ mode: "number" }),
    durationMs: integer("duration_ms"),
    attempts: integer().notNull().default(0),
    error: text(),
    /** The dump attempt (its snapshot) the status and result belong to. */
    snapshotId: text("snapshot_id"),
    /** The files a `done` table's copy wrote, as the manifest lists them. */
    files: jsonb().$type<FileEntry[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.schema, t.name] }),
    check(
      "run_tables_status_check",
      sql`status in ('pending','running','done','failed','skipped')`,
    ),
  ],
);

export const schedules = state.table(
  "schedules",
  {
    target: text().notNull(),
    schedule: text().notNull(),
    lastSlot: at("last_slot").notNull(),
  },
  (t) => [primaryKey({ columns: [t.target, t.schedule] })],
);
