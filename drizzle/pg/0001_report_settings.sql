DROP INDEX "changes_merged_idx";--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "min_group_size" integer;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "metric_settings" text;--> statement-breakpoint
CREATE INDEX "changes_report_idx" ON "changes" USING btree ("installation_id","merged_at","repository_id","number","engineer","bot_change","ai","agents","first_commit_at","paths_complete","shipped_deployment_id","shipped_at","reverted_at","rolled_back_at","id") WHERE state = 'merged' AND deployable;