CREATE TABLE `ivr_recordings` (
	`script_id` text NOT NULL,
	`prompt_key` text NOT NULL,
	`language` text NOT NULL,
	`wav` blob NOT NULL,
	`hash` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`original_name` text DEFAULT '' NOT NULL,
	`uploaded_by` text NOT NULL,
	`uploaded_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`script_id`) REFERENCES `ivr_scripts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ivr_recordings_uq` ON `ivr_recordings` (`script_id`,`prompt_key`,`language`);--> statement-breakpoint
CREATE TABLE `ivr_script_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`script_id` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`hash` text NOT NULL,
	`author` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`script_id`) REFERENCES `ivr_scripts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ivr_script_versions_uq` ON `ivr_script_versions` (`script_id`,`version`);--> statement-breakpoint
CREATE INDEX `ivr_script_versions_hash_idx` ON `ivr_script_versions` (`hash`);--> statement-breakpoint
CREATE TABLE `ivr_scripts` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
