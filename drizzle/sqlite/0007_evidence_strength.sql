DROP INDEX `changes_report_idx`;--> statement-breakpoint
ALTER TABLE `changes` ADD `ai_evidence` text;--> statement-breakpoint
-- AI-assisted changes recorded before this column are classified by the app before a report reads
-- them (src/ledger/classify-evidence.ts): which evidence is explicit is decided in code
-- (src/attribution/strength.ts), not here. This index finds them until then.
CREATE INDEX `changes_unclassified_idx` ON `changes` (`installation_id`,`id`) WHERE ai = 1 AND ai_evidence IS NULL;--> statement-breakpoint
CREATE INDEX `changes_report_idx` ON `changes` (`installation_id`,`merged_at`,`repository_id`,`number`,`engineer`,`bot_change`,`ai`,`ai_evidence`,`agents`,`first_commit_at`,`paths_complete`,`shipped_deployment_id`,`shipped_at`,`reverted_at`,`rolled_back_at`,`id`) WHERE state = 'merged' AND deployable = 1;