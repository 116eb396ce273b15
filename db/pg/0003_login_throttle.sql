CREATE TABLE "login_throttle_failed" (
	"key" text PRIMARY KEY NOT NULL,
	"source_key" text NOT NULL,
	"account_key" text NOT NULL,
	"at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "login_throttle_pairs" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"next_at" bigint NOT NULL,
	"last_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "login_throttle_sources" (
	"key" text PRIMARY KEY NOT NULL,
	"next_at" bigint NOT NULL,
	"last_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "login_throttle_failed_source_idx" ON "login_throttle_failed" USING btree ("source_key");--> statement-breakpoint
CREATE INDEX "login_throttle_failed_at_idx" ON "login_throttle_failed" USING btree ("at");--> statement-breakpoint
CREATE INDEX "login_throttle_pairs_last_idx" ON "login_throttle_pairs" USING btree ("last_at");--> statement-breakpoint
CREATE INDEX "login_throttle_sources_last_idx" ON "login_throttle_sources" USING btree ("last_at");