ALTER TABLE "audit_events" ADD COLUMN "client_address" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "project" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "repository" text;--> statement-breakpoint
CREATE INDEX "audit_events_project_idx" ON "audit_events" USING btree ("project","id");--> statement-breakpoint
CREATE INDEX "audit_events_repository_idx" ON "audit_events" USING btree ("repository","id");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor","id");--> statement-breakpoint
-- Existing rows keep their meaning; the project and repository they concern are filled in from the target.
UPDATE "audit_events" SET "project" = substring("target" from 9) WHERE "target" LIKE 'project:%';--> statement-breakpoint
UPDATE "audit_events" SET "project" = split_part(substring("target" from 8), '/', 1) WHERE "target" LIKE 'member:%';--> statement-breakpoint
UPDATE "audit_events" SET "project" = split_part(substring("target" from 13), '+', 1) WHERE "target" LIKE 'robot:robot$%';--> statement-breakpoint
UPDATE "audit_events" SET "repository" = substring("target" from 12), "project" = split_part(substring("target" from 12), '/', 1) WHERE "target" LIKE 'repository:%';
--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "managed_by" text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_managed_by_check" CHECK ("projects"."managed_by" in ('api', 'configuration'));--> statement-breakpoint
-- Projects the configuration applied before are its own; the next start confirms or releases them.
UPDATE "projects" SET "managed_by" = 'configuration' WHERE "name" IN (SELECT "project" FROM "audit_events" WHERE "actor" = 'config' AND "action" = 'project.apply');
