ALTER TABLE "tags" ADD COLUMN "source" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_source_check" CHECK ("tags"."source" in ('local', 'cached'));