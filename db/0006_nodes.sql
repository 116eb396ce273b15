CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`hostname` text NOT NULL,
	`pid` integer NOT NULL,
	`http_url` text,
	`sip_address` text,
	`version` text DEFAULT '' NOT NULL,
	`state` text DEFAULT 'running' NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`active_calls` integer DEFAULT 0 NOT NULL,
	`drain_requested_at` integer,
	`drain_requested_by` text,
	`stopped_at` integer
);
--> statement-breakpoint
ALTER TABLE `attempts` ADD `owner_node` text;--> statement-breakpoint
ALTER TABLE `attempts` ADD `lease_until` integer;--> statement-breakpoint
CREATE INDEX `attempts_owner_idx` ON `attempts` (`owner_node`,`state`);