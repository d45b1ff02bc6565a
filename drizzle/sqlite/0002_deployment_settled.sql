ALTER TABLE `deployments` ADD `settled_at` integer;--> statement-breakpoint
ALTER TABLE `deployments` ADD `reported_at` integer;--> statement-breakpoint
-- Deployments recorded before these columns were linked and reported when they were recorded.
UPDATE `deployments` SET `settled_at` = `updated_at`, `reported_at` = `updated_at`;
