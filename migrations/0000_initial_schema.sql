CREATE TABLE "blobs" (
	"digest" text COLLATE "C" PRIMARY KEY NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_pulled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "manifest_blob_refs" (
	"repository_id" integer NOT NULL,
	"manifest_digest" text COLLATE "C" NOT NULL,
	"blob_digest" text COLLATE "C" NOT NULL,
	CONSTRAINT "manifest_blob_refs_repository_id_manifest_digest_blob_digest_pk" PRIMARY KEY("repository_id","manifest_digest","blob_digest")
);
--> statement-breakpoint
CREATE TABLE "manifest_children" (
	"repository_id" integer NOT NULL,
	"parent_digest" text COLLATE "C" NOT NULL,
	"child_digest" text COLLATE "C" NOT NULL,
	CONSTRAINT "manifest_children_repository_id_parent_digest_child_digest_pk" PRIMARY KEY("repository_id","parent_digest","child_digest")
);
--> statement-breakpoint
CREATE TABLE "manifests" (
	"repository_id" integer NOT NULL,
	"digest" text COLLATE "C" NOT NULL,
	"media_type" text NOT NULL,
	"size" bigint NOT NULL,
	"content" "bytea" NOT NULL,
	"subject" text COLLATE "C",
	"artifact_type" text,
	"annotations" jsonb,
	"config_media_type" text,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_pulled_at" timestamp with time zone,
	CONSTRAINT "manifests_repository_id_digest_pk" PRIMARY KEY("repository_id","digest"),
	CONSTRAINT "manifests_source_check" CHECK ("manifests"."source" in ('local', 'cached'))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "projects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text COLLATE "C" NOT NULL,
	"kind" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_name_unique" UNIQUE("name"),
	CONSTRAINT "projects_kind_check" CHECK ("projects"."kind" in ('hosted', 'proxy'))
);
--> statement-breakpoint
CREATE TABLE "repositories" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "repositories_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"project_id" integer NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repositories_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "repository_blobs" (
	"repository_id" integer NOT NULL,
	"digest" text COLLATE "C" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repository_blobs_repository_id_digest_pk" PRIMARY KEY("repository_id","digest")
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"repository_id" integer NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"digest" text COLLATE "C" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tags_repository_id_name_pk" PRIMARY KEY("repository_id","name")
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" text PRIMARY KEY NOT NULL,
	"repository_id" integer NOT NULL,
	"offset" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "manifest_blob_refs" ADD CONSTRAINT "manifest_blob_refs_manifest_fk" FOREIGN KEY ("repository_id","manifest_digest") REFERENCES "public"."manifests"("repository_id","digest") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "manifest_children" ADD CONSTRAINT "manifest_children_parent_fk" FOREIGN KEY ("repository_id","parent_digest") REFERENCES "public"."manifests"("repository_id","digest") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "manifests" ADD CONSTRAINT "manifests_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repositories" ADD CONSTRAINT "repositories_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repository_blobs" ADD CONSTRAINT "repository_blobs_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repository_blobs" ADD CONSTRAINT "repository_blobs_digest_blobs_digest_fk" FOREIGN KEY ("digest") REFERENCES "public"."blobs"("digest") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_manifest_fk" FOREIGN KEY ("repository_id","digest") REFERENCES "public"."manifests"("repository_id","digest") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "manifest_blob_refs_blob_idx" ON "manifest_blob_refs" USING btree ("blob_digest");--> statement-breakpoint
CREATE INDEX "manifest_children_child_idx" ON "manifest_children" USING btree ("repository_id","child_digest");--> statement-breakpoint
CREATE INDEX "manifests_subject_idx" ON "manifests" USING btree ("repository_id","subject");--> statement-breakpoint
CREATE INDEX "repositories_project_idx" ON "repositories" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "repository_blobs_digest_idx" ON "repository_blobs" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "tags_digest_idx" ON "tags" USING btree ("repository_id","digest");--> statement-breakpoint
CREATE INDEX "uploads_repository_idx" ON "uploads" USING btree ("repository_id");