CREATE TABLE `webhook_redeliveries` (
	`guid` text PRIMARY KEY NOT NULL,
	`delivery_id` integer NOT NULL,
	`event` text NOT NULL,
	`requested_at` integer NOT NULL,
	`requested_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_sweeps` (
	`id` text PRIMARY KEY NOT NULL,
	`watermark_id` integer,
	`resume_cursor` text,
	`resume_until_id` integer,
	`locked_by` text,
	`locked_at` integer,
	`finished_at` integer
);
