CREATE TABLE `account_logins` (
	`account_id` integer NOT NULL,
	`login` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `login`)
);
--> statement-breakpoint
CREATE INDEX `account_logins_login_idx` ON `account_logins` (`login`);--> statement-breakpoint
ALTER TABLE `installations` ADD `account_id` integer;