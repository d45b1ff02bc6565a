CREATE TABLE "audit_marks" (
	"installation_id" bigint NOT NULL,
	"change_id" bigint NOT NULL,
	"verdict" text NOT NULL,
	"reason" text NOT NULL,
	"marked_by" bigint NOT NULL,
	"marked_at" bigint NOT NULL,
	CONSTRAINT "audit_marks_installation_id_change_id_pk" PRIMARY KEY("installation_id","change_id")
);
--> statement-breakpoint
CREATE TABLE "dashboard_sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"login" text NOT NULL,
	"installations" text NOT NULL,
	"csrf" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dashboard_sessions_expiry_idx" ON "dashboard_sessions" USING btree ("expires_at");