CREATE TABLE `eam_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`browser_hash` text NOT NULL,
	`client_id` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`state` text NOT NULL,
	`nonce` text NOT NULL,
	`hint_sub` text NOT NULL,
	`tenant_id` text NOT NULL,
	`object_id` text NOT NULL,
	`preferred_username` text,
	`client_request_id` text,
	`acr` text NOT NULL,
	`user_id` text,
	`attempt_id` text,
	`calls` integer DEFAULT 0 NOT NULL,
	`lang` text NOT NULL,
	`status` text DEFAULT 'calling' NOT NULL,
	`error` text,
	`error_description` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`finished_at` integer,
	`answered_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eam_requests_nonce_uq` ON `eam_requests` (`client_id`,`nonce`);--> statement-breakpoint
CREATE UNIQUE INDEX `eam_requests_state_uq` ON `eam_requests` (`client_id`,`state`);--> statement-breakpoint
CREATE INDEX `eam_requests_attempt_idx` ON `eam_requests` (`attempt_id`);--> statement-breakpoint
CREATE TABLE `oidc_signing_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`public_jwk` text NOT NULL,
	`private_key_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	`signing_from` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `user_entra_identities` (
	`user_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`object_id` text,
	`upn` text,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_entra_object_uq` ON `user_entra_identities` (`object_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `user_entra_upn_uq` ON `user_entra_identities` (`upn`);