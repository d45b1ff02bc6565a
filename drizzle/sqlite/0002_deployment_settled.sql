ALTER TABLE `deployments` ADD `settled_at` integer;--> statement-breakpoint
-- Deployments recorded before this column were settled when they were recorded (or their delivery failed and is listed as such).
UPDATE `deployments` SET `settled_at` = `updated_at`;
