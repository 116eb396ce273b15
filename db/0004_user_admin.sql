CREATE TABLE `mail_batch_items` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`user_id` text,
	`username` text NOT NULL,
	`email` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`error` text,
	`link_id` text,
	`sent_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `mail_batches`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `mail_batch_items_batch_idx` ON `mail_batch_items` (`batch_id`,`status`);--> statement-breakpoint
CREATE TABLE `mail_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
ALTER TABLE `fraud_reports` ADD `verdict` text;--> statement-breakpoint
ALTER TABLE `fraud_reports` ADD `reviewed_by` text;--> statement-breakpoint
ALTER TABLE `users` ADD `block_reason` text;--> statement-breakpoint
ALTER TABLE `users` ADD `email` text;--> statement-breakpoint
ALTER TABLE `users` ADD `reregister_requested_at` integer;