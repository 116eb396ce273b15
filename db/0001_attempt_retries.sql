ALTER TABLE `attempts` ADD `requested_by` text;--> statement-breakpoint
ALTER TABLE `attempts` ADD `try_no` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `attempts` ADD `retry_of` text;--> statement-breakpoint
ALTER TABLE `attempts` ADD `retry_due_at` integer;--> statement-breakpoint
ALTER TABLE `attempts` ADD `next_attempt_id` text;--> statement-breakpoint
CREATE INDEX `attempts_retry_due_idx` ON `attempts` (`retry_due_at`);