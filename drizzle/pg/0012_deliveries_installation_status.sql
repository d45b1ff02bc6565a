DROP INDEX "deliveries_installation_idx";--> statement-breakpoint
CREATE INDEX "deliveries_installation_status_idx" ON "deliveries" USING btree ("installation_id","status");