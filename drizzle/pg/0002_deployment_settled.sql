ALTER TABLE "deployments" ADD COLUMN "settled_at" bigint;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "reported_at" bigint;--> statement-breakpoint
-- Deployments recorded before these columns were linked and reported when they were recorded.
UPDATE "deployments" SET "settled_at" = "updated_at", "reported_at" = "updated_at";
