import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { byteOrderedText, bytea, createdAt, updatedAt } from './column-types.js';
import { auditEvents, projectMembers, robots, signingKeys, users } from './schema-accounts.js';
import { projects } from './schema-projects.js';

export { projects } from './schema-projects.js';
export * from './schema-accounts.js';

// Names, tags and digests use byte-ordered text so listings page in the same lexical order everywhere.

export const repositories = pgTable(
  'repositories',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: byteOrderedText('name').notNull().unique(),
    createdAt: createdAt(),
  },
  (t) => [index('repositories_project_idx').on(t.projectId)],
);

/**
 * Every blob known to the store, global by digest; rows outlive their links until GC. Collection:
 * an unlinked row is marked (gc_marked_at); after a grace period a collector claims it
 * (gc_deleting_since), deletes the bytes and then the row. A writer's claimBlob clears both.
 */
export const blobs = pgTable(
  'blobs',
  {
    digest: byteOrderedText('digest').primaryKey(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
    lastPulledAt: timestamp('last_pulled_at', { withTimezone: true, mode: 'date' }),
    gcMarkedAt: timestamp('gc_marked_at', { withTimezone: true, mode: 'date' }),
    gcDeletingSince: timestamp('gc_deleting_since', { withTimezone: true, mode: 'date' }),
  },
  // Collectors look for marked rows only; nearly every row is unmarked.
  (t) => [index('blobs_gc_marked_idx').on(t.gcMarkedAt).where(sql`${t.gcMarkedAt} is not null`)],
);

export const repositoryBlobs = pgTable(
  'repository_blobs',
  {
    repositoryId: integer('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    digest: byteOrderedText('digest')
      .notNull()
      .references(() => blobs.digest),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.repositoryId, t.digest] }),
    index('repository_blobs_digest_idx').on(t.digest),
  ],
);

export const manifests = pgTable(
  'manifests',
  {
    repositoryId: integer('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    digest: byteOrderedText('digest').notNull(),
    mediaType: text('media_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** The exact bytes as pushed or fetched. */
    content: bytea('content').notNull(),
    subject: byteOrderedText('subject'),
    artifactType: text('artifact_type'),
    annotations: jsonb('annotations').$type<Record<string, string>>(),
    configMediaType: text('config_media_type'),
    source: text('source').$type<'local' | 'cached'>().notNull(),
    createdAt: createdAt(),
    lastPulledAt: timestamp('last_pulled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.repositoryId, t.digest] }),
    index('manifests_subject_idx').on(t.repositoryId, t.subject),
    check('manifests_source_check', sql`${t.source} in ('local', 'cached')`),
  ],
);

/** Blobs (config, layers) a manifest references: what GC must keep and what blob deletes must check. */
export const manifestBlobRefs = pgTable(
  'manifest_blob_refs',
  {
    repositoryId: integer('repository_id').notNull(),
    manifestDigest: byteOrderedText('manifest_digest').notNull(),
    blobDigest: byteOrderedText('blob_digest').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.repositoryId, t.manifestDigest, t.blobDigest] }),
    foreignKey({
      name: 'manifest_blob_refs_manifest_fk',
      columns: [t.repositoryId, t.manifestDigest],
      foreignColumns: [manifests.repositoryId, manifests.digest],
    }).onDelete('cascade'),
    index('manifest_blob_refs_blob_idx').on(t.blobDigest),
  ],
);

/** Manifests an index references; the child may not be stored yet (pull-through fetches lazily). */
export const manifestChildren = pgTable(
  'manifest_children',
  {
    repositoryId: integer('repository_id').notNull(),
    parentDigest: byteOrderedText('parent_digest').notNull(),
    childDigest: byteOrderedText('child_digest').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.repositoryId, t.parentDigest, t.childDigest] }),
    foreignKey({
      name: 'manifest_children_parent_fk',
      columns: [t.repositoryId, t.parentDigest],
      foreignColumns: [manifests.repositoryId, manifests.digest],
    }).onDelete('cascade'),
    index('manifest_children_child_idx').on(t.repositoryId, t.childDigest),
  ],
);

export const tags = pgTable(
  'tags',
  {
    repositoryId: integer('repository_id').notNull(),
    name: byteOrderedText('name').notNull(),
    digest: byteOrderedText('digest').notNull(),
    /** local: pushed to Berth; cached: learned from the upstream of a proxy project. */
    source: text('source').$type<'local' | 'cached'>().notNull().default('local'),
    /** When the upstream last confirmed this tag's digest (cached tags; drives the tag TTL). */
    checkedAt: timestamp('checked_at', { withTimezone: true, mode: 'date' }),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.repositoryId, t.name] }),
    check('tags_source_check', sql`${t.source} in ('local', 'cached')`),
    // Deleting a manifest (or its repository) deletes the tags pointing at it.
    foreignKey({
      name: 'tags_manifest_fk',
      columns: [t.repositoryId, t.digest],
      foreignColumns: [manifests.repositoryId, manifests.digest],
    }).onDelete('cascade'),
    index('tags_digest_idx').on(t.repositoryId, t.digest),
  ],
);

export const uploads = pgTable(
  'uploads',
  {
    id: text('id').primaryKey(),
    repositoryId: integer('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    offset: bigint('offset', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('uploads_repository_idx').on(t.repositoryId)],
);

/** Everything drizzle needs to know about the tables (also handed to the drivers). */
export const schema = {
  projects,
  repositories,
  blobs,
  repositoryBlobs,
  manifests,
  manifestBlobRefs,
  manifestChildren,
  tags,
  uploads,
  users,
  projectMembers,
  robots,
  auditEvents,
  signingKeys,
};
