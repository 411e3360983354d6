ALTER TABLE "tablesnap"."run_tables" ADD COLUMN "snapshot_id" text;--> statement-breakpoint
ALTER TABLE "tablesnap"."run_tables" ADD COLUMN "files" jsonb;