CREATE TABLE "ai_usage_sessions" (
	"installation_id" bigint NOT NULL,
	"day" bigint NOT NULL,
	"session_key" text NOT NULL,
	CONSTRAINT "ai_usage_sessions_installation_id_day_session_key_pk" PRIMARY KEY("installation_id","day","session_key")
);
--> statement-breakpoint
-- The sessions of the points stored before this migration, as recordUsagePoints writes them for
-- new ones (the day: the point's time rounded down to 00:00 UTC).
INSERT INTO "ai_usage_sessions" ("installation_id", "day", "session_key")
SELECT DISTINCT "installation_id", ("at" / 86400000) * 86400000, "session_key"
  FROM "ai_usage_points"
 WHERE "session_key" IS NOT NULL
ON CONFLICT DO NOTHING;
