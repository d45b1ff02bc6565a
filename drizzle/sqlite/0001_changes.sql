CREATE TABLE `change_commits` (
	`change_id` integer NOT NULL,
	`sha` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`change_id`, `sha`),
	FOREIGN KEY (`change_id`) REFERENCES `changes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `change_commits_sha_idx` ON `change_commits` (`sha`);--> statement-breakpoint
CREATE TABLE `changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`installation_id` integer NOT NULL,
	`repository_id` integer NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`author_login` text NOT NULL,
	`author_type` text NOT NULL,
	`bot_change` integer NOT NULL,
	`head_ref` text NOT NULL,
	`head_sha` text NOT NULL,
	`base_ref` text NOT NULL,
	`state` text NOT NULL,
	`opened_at` integer NOT NULL,
	`merged_at` integer,
	`merge_commit_sha` text,
	`ai` integer NOT NULL,
	`agents` text NOT NULL,
	`models` text NOT NULL,
	`sessions` text NOT NULL,
	`evidence` text NOT NULL,
	`commits_total` integer NOT NULL,
	`commits_ai` integer NOT NULL,
	`attributed_sha` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `changes_repository_number_idx` ON `changes` (`repository_id`,`number`);--> statement-breakpoint
CREATE INDEX `changes_installation_idx` ON `changes` (`installation_id`);--> statement-breakpoint
CREATE TABLE `commits` (
	`repository_id` integer NOT NULL,
	`sha` text NOT NULL,
	`author_name` text NOT NULL,
	`author_email` text NOT NULL,
	`author_login` text,
	`authored_at` integer,
	`subject` text NOT NULL,
	`ai` integer NOT NULL,
	`agents` text NOT NULL,
	`models` text NOT NULL,
	`sessions` text NOT NULL,
	`evidence` text NOT NULL,
	PRIMARY KEY(`repository_id`, `sha`),
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE no action
);
