CREATE SCHEMA "tablesnap";
--> statement-breakpoint
CREATE TABLE "tablesnap"."run_tables" (
	"run_id" text NOT NULL,
	"schema" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"rows" bigint,
	"bytes" bigint,
	"duration_ms" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	CONSTRAINT "run_tables_run_id_schema_name_pk" PRIMARY KEY("run_id","schema","name"),
	CONSTRAINT "run_tables_status_check" CHECK (status in ('pending','running','done','failed','skipped'))
);
--> statement-breakpoint
CREATE TABLE "tablesnap"."runs" (
	"id" text PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"deadline" timestamp with time zone,
	"error" text,
	"snapshot_id" text,
	"backup_id" text,
	"manifest" jsonb,
	"commit_sha" text,
	"commit_url" text,
	"writes" integer,
	CONSTRAINT "runs_status_check" CHECK (status in ('pending','running','publishing','succeeded','partial','failed'))
);
--> statement-breakpoint
CREATE TABLE "tablesnap"."schedules" (
	"target" text NOT NULL,
	"schedule" text NOT NULL,
	"last_slot" timestamp with time zone NOT NULL,
	CONSTRAINT "schedules_target_schedule_pk" PRIMARY KEY("target","schedule")
);
--> statement-breakpoint
CREATE TABLE "tablesnap"."triggers" (
	"id" text PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"source" text NOT NULL,
	"event" text NOT NULL,
	"ref" text NOT NULL,
	"actor" text,
	"note" text,
	"response_url" text,
	"received_at" timestamp with time zone NOT NULL,
	"run_id" text
);
--> statement-breakpoint
ALTER TABLE "tablesnap"."run_tables" ADD CONSTRAINT "run_tables_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "tablesnap"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tablesnap"."triggers" ADD CONSTRAINT "triggers_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "tablesnap"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_one_pending_per_target" ON "tablesnap"."runs" USING btree ("target") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "runs_one_active_per_target" ON "tablesnap"."runs" USING btree ("target") WHERE status in ('running', 'publishing');--> statement-breakpoint
CREATE INDEX "runs_target_created" ON "tablesnap"."runs" USING btree ("target","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_due" ON "tablesnap"."runs" USING btree ("not_before") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "runs_deadline" ON "tablesnap"."runs" USING btree ("deadline") WHERE status in ('running', 'publishing');--> statement-breakpoint
CREATE INDEX "triggers_run" ON "tablesnap"."triggers" USING btree ("run_id","received_at");