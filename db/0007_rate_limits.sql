CREATE TABLE `rate_limit_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`user_id` text,
	`number` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limit_calls_at_idx` ON `rate_limit_calls` (`at`);--> statement-breakpoint
CREATE INDEX `rate_limit_calls_user_idx` ON `rate_limit_calls` (`user_id`,`at`);--> statement-breakpoint
CREATE INDEX `rate_limit_calls_number_idx` ON `rate_limit_calls` (`number`,`at`);--> statement-breakpoint
CREATE TABLE `rate_limit_slots` (
	`id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`acquired_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limit_slots_node_idx` ON `rate_limit_slots` (`node_id`);