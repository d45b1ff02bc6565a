CREATE TABLE `backfill_leases` (
	`installation_id` integer PRIMARY KEY NOT NULL,
	`locked_by` text,
	`locked_at` integer
);
--> statement-breakpoint
CREATE TABLE `backfill_runs` (
	`installation_id` integer NOT NULL,
	`repository_id` integer NOT NULL,
	`kind` text NOT NULL,
	`window_since` integer NOT NULL,
	`phase` text NOT NULL,
	`cursor` text,
	`pulls_read` integer DEFAULT 0 NOT NULL,
	`merged` integer DEFAULT 0 NOT NULL,
	`deployments` integer DEFAULT 0 NOT NULL,
	`deployments_total` integer,
	`reached_at` integer,
	`requests` integer DEFAULT 0 NOT NULL,
	`covered_since` integer,
	`requested_at` integer NOT NULL,
	`started_at` integer,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	`error` text,
	`notes` text,
	PRIMARY KEY(`installation_id`, `repository_id`)
);
