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
	`number` integer,
	`kind` text DEFAULT 'pull_request' NOT NULL,
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
	`merged_by` text,
	`merge_method` text,
	`engineer` text,
	`first_commit_at` integer,
	`paths` text DEFAULT '[]' NOT NULL,
	`paths_complete` integer DEFAULT false NOT NULL,
	`shipped_deployment_id` integer,
	`shipped_at` integer,
	`reverted_at` integer,
	`rolled_back_at` integer,
	`deployable` integer DEFAULT true NOT NULL,
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
CREATE INDEX `changes_merge_commit_idx` ON `changes` (`repository_id`,`merge_commit_sha`);--> statement-breakpoint
CREATE INDEX `changes_merged_idx` ON `changes` (`installation_id`,`merged_at`);--> statement-breakpoint
CREATE INDEX `changes_shipped_idx` ON `changes` (`installation_id`,`shipped_at`,`merged_at`);--> statement-breakpoint
CREATE TABLE `commits` (
	`repository_id` integer NOT NULL,
	`sha` text NOT NULL,
	`author_name` text NOT NULL,
	`author_email` text NOT NULL,
	`author_login` text,
	`authored_at` integer,
	`subject` text NOT NULL,
	`message` text DEFAULT '' NOT NULL,
	`ai` integer NOT NULL,
	`agents` text NOT NULL,
	`models` text NOT NULL,
	`sessions` text NOT NULL,
	`evidence` text NOT NULL,
	PRIMARY KEY(`repository_id`, `sha`),
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`action` text,
	`installation_id` integer,
	`repository_id` integer,
	`repository_full_name` text,
	`received_at` integer NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`locked_by` text,
	`locked_at` integer,
	`last_error` text,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `deliveries_status_next_idx` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_installation_idx` ON `deliveries` (`installation_id`);--> statement-breakpoint
CREATE TABLE `deployment_commits` (
	`deployment_id` integer NOT NULL,
	`sha` text NOT NULL,
	`effect` text NOT NULL,
	PRIMARY KEY(`deployment_id`, `sha`),
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deployment_commits_sha_idx` ON `deployment_commits` (`sha`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`installation_id` integer NOT NULL,
	`repository_id` integer NOT NULL,
	`environment` text NOT NULL,
	`source` text NOT NULL,
	`source_key` text NOT NULL,
	`sha` text NOT NULL,
	`ref` text,
	`succeeded_at` integer NOT NULL,
	`succeeded_at_exact` integer DEFAULT true NOT NULL,
	`outcome` text NOT NULL,
	`previous_sha` text,
	`url` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deployments_source_idx` ON `deployments` (`repository_id`,`source_key`);--> statement-breakpoint
CREATE INDEX `deployments_order_idx` ON `deployments` (`repository_id`,`environment`,`succeeded_at`);--> statement-breakpoint
CREATE INDEX `deployments_installation_idx` ON `deployments` (`installation_id`,`succeeded_at`);--> statement-breakpoint
CREATE TABLE `installations` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_login` text NOT NULL,
	`account_type` text NOT NULL,
	`suspended_at` integer,
	`deleted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `repositories` (
	`id` integer PRIMARY KEY NOT NULL,
	`installation_id` integer NOT NULL,
	`full_name` text NOT NULL,
	`default_branch` text,
	`private` integer NOT NULL,
	`removed_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`installation_id`) REFERENCES `installations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `repositories_installation_idx` ON `repositories` (`installation_id`);--> statement-breakpoint
CREATE TABLE `reverts` (
	`reverting_change_id` integer NOT NULL,
	`repository_id` integer NOT NULL,
	`target` text NOT NULL,
	PRIMARY KEY(`reverting_change_id`, `target`),
	FOREIGN KEY (`reverting_change_id`) REFERENCES `changes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `reverts_target_idx` ON `reverts` (`repository_id`,`target`);