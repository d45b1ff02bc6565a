ALTER TABLE `deployments` ADD `settled_at` integer;--> statement-breakpoint
ALTER TABLE `deployments` ADD `reported_at` integer;--> statement-breakpoint
ALTER TABLE `repositories` ADD `installed_since` integer;--> statement-breakpoint
-- Deployments recorded before these columns were linked and reported when they were recorded;
-- repositories belonged to their installation as of their last update.
UPDATE `deployments` SET `settled_at` = `updated_at`, `reported_at` = `updated_at`;--> statement-breakpoint
UPDATE `repositories` SET `installed_since` = `updated_at`;
