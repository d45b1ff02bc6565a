CREATE TABLE "webhook_redeliveries" (
	"guid" text PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL,
	"event" text NOT NULL,
	"requested_at" bigint NOT NULL,
	"requested_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_sweeps" (
	"id" text PRIMARY KEY NOT NULL,
	"watermark_id" bigint,
	"resume_cursor" text,
	"resume_until_id" bigint,
	"locked_by" text,
	"locked_at" bigint,
	"finished_at" bigint
);
