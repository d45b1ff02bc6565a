CREATE TABLE "account_logins" (
	"account_id" bigint NOT NULL,
	"login" text NOT NULL,
	"seen_at" bigint NOT NULL,
	CONSTRAINT "account_logins_account_id_login_pk" PRIMARY KEY("account_id","login")
);
--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "account_id" bigint;--> statement-breakpoint
CREATE INDEX "account_logins_login_idx" ON "account_logins" USING btree ("login");