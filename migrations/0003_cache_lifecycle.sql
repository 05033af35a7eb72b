ALTER TABLE "blobs" ADD COLUMN "gc_marked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "blobs" ADD COLUMN "gc_deleting_since" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "blobs_gc_marked_idx" ON "blobs" USING btree ("gc_marked_at") WHERE "blobs"."gc_marked_at" is not null;