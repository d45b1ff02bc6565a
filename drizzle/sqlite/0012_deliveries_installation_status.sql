DROP INDEX `deliveries_installation_idx`;--> statement-breakpoint
CREATE INDEX `deliveries_installation_status_idx` ON `deliveries` (`installation_id`,`status`);