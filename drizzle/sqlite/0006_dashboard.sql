CREATE TABLE `audit_marks` (
	`installation_id` integer NOT NULL,
	`change_id` integer NOT NULL,
	`verdict` text NOT NULL,
	`reason` text NOT NULL,
	`marked_by` integer NOT NULL,
	`marked_at` integer NOT NULL,
	PRIMARY KEY(`installation_id`, `change_id`)
);
--> statement-breakpoint
CREATE TABLE `dashboard_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`login` text NOT NULL,
	`installations` text NOT NULL,
	`csrf` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dashboard_sessions_expiry_idx` ON `dashboard_sessions` (`expires_at`);