ALTER TABLE "deployments" ADD COLUMN "settled_at" bigint;--> statement-breakpoint
-- Deployments recorded before this column were settled when they were recorded (or their delivery failed and is listed as such).
UPDATE "deployments" SET "settled_at" = "updated_at";
