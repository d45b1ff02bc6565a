CREATE TABLE `ai_usage_sessions` (
	`installation_id` integer NOT NULL,
	`day` integer NOT NULL,
	`session_key` text NOT NULL,
	PRIMARY KEY(`installation_id`, `day`, `session_key`)
);
--> statement-breakpoint
-- The sessions of the points stored before this migration, as recordUsagePoints writes them for
-- new ones (the day: the point's time rounded down to 00:00 UTC).
INSERT OR IGNORE INTO `ai_usage_sessions` (`installation_id`, `day`, `session_key`)
SELECT DISTINCT `installation_id`, (`at` / 86400000) * 86400000, `session_key`
  FROM `ai_usage_points`
 WHERE `session_key` IS NOT NULL;
