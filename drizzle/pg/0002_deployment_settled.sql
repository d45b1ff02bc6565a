ALTER TABLE "deployments" ADD COLUMN "settled_at" bigint;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "reported_at" bigint;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "installed_since" bigint;--> statement-breakpoint
-- Deployments recorded before these columns were linked and reported when they were recorded;
-- repositories belonged to their installation as of their last update.
UPDATE "deployments" SET "settled_at" = "updated_at", "reported_at" = "updated_at";--> statement-breakpoint
UPDATE "repositories" SET "installed_since" = "updated_at";
