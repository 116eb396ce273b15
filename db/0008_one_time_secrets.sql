CREATE TABLE `one_time_secrets` (
	`attempt_id` text PRIMARY KEY NOT NULL,
	`sealed` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `one_time_secrets_expires_idx` ON `one_time_secrets` (`expires_at`);