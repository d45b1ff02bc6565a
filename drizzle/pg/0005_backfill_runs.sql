CREATE TABLE "backfill_leases" (
	"installation_id" bigint PRIMARY KEY NOT NULL,
	"locked_by" text,
	"locked_at" bigint
);
--> statement-breakpoint
CREATE TABLE "backfill_runs" (
	"installation_id" bigint NOT NULL,
	"repository_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"window_since" bigint NOT NULL,
	"phase" text NOT NULL,
	"cursor" text,
	"pulls_read" integer DEFAULT 0 NOT NULL,
	"merged" integer DEFAULT 0 NOT NULL,
	"deployments" integer DEFAULT 0 NOT NULL,
	"deployments_total" integer,
	"reached_at" bigint,
	"requests" integer DEFAULT 0 NOT NULL,
	"covered_since" bigint,
	"requested_at" bigint NOT NULL,
	"started_at" bigint,
	"updated_at" bigint NOT NULL,
	"finished_at" bigint,
	"error" text,
	"notes" text,
	CONSTRAINT "backfill_runs_installation_id_repository_id_pk" PRIMARY KEY("installation_id","repository_id")
);
