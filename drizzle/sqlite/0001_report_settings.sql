DROP INDEX `changes_merged_idx`;--> statement-breakpoint
CREATE INDEX `changes_report_idx` ON `changes` (`installation_id`,`merged_at`,`repository_id`,`number`,`engineer`,`bot_change`,`ai`,`agents`,`first_commit_at`,`paths_complete`,`shipped_deployment_id`,`shipped_at`,`reverted_at`,`rolled_back_at`,`id`) WHERE state = 'merged' AND deployable = 1;--> statement-breakpoint
ALTER TABLE `installations` ADD `min_group_size` integer;--> statement-breakpoint
ALTER TABLE `repositories` ADD `metric_settings` text;