CREATE TABLE `ai_usage_points` (
	`installation_id` integer NOT NULL,
	`series` text NOT NULL,
	`start_ns` text NOT NULL,
	`time_ns` text NOT NULL,
	`agent` text NOT NULL,
	`session_id` text,
	`session_key` text,
	`model` text,
	`measure` text NOT NULL,
	`value` real NOT NULL,
	`temporality` text NOT NULL,
	`at` integer NOT NULL,
	`source` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`installation_id`, `series`, `start_ns`, `time_ns`)
);
--> statement-breakpoint
CREATE INDEX `ai_usage_points_period_idx` ON `ai_usage_points` (`installation_id`,`at`);--> statement-breakpoint
CREATE INDEX `ai_usage_points_session_idx` ON `ai_usage_points` (`installation_id`,`session_key`);--> statement-breakpoint
CREATE TABLE `change_sessions` (
	`installation_id` integer NOT NULL,
	`session_key` text NOT NULL,
	`change_id` integer NOT NULL,
	PRIMARY KEY(`installation_id`, `session_key`, `change_id`)
);
--> statement-breakpoint
CREATE INDEX `change_sessions_change_idx` ON `change_sessions` (`change_id`);--> statement-breakpoint
CREATE TABLE `ingest_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`installation_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ingest_tokens_hash_idx` ON `ingest_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `ingest_tokens_installation_idx` ON `ingest_tokens` (`installation_id`);--> statement-breakpoint
ALTER TABLE `installations` ADD `cost_prices` text;
--> statement-breakpoint
-- The sessions that changes recorded before this migration name, as recordChange writes them for
-- new ones (sessionKey in src/model/spend.ts: trimmed, lower-cased).
INSERT OR IGNORE INTO `change_sessions` (`installation_id`, `session_key`, `change_id`)
SELECT c.`installation_id`, lower(trim(json_extract(s.value, '$.id'))), c.`id`
  FROM `changes` c, json_each(c.`sessions`) s
 WHERE json_valid(c.`sessions`) AND trim(coalesce(json_extract(s.value, '$.id'), '')) <> '';
