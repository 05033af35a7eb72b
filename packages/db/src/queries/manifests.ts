import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { ManifestRow, ManifestSummary, NewManifest } from '../metadata-store.js';
import { manifestBlobRefs, manifestChildren, manifests, repositories, tags } from '../schema.js';
import { distinct } from './paging.js';

const summaryColumns = {
  repositoryId: manifests.repositoryId,
  digest: manifests.digest,
  mediaType: manifests.mediaType,
  size: manifests.size,
  subject: manifests.subject,
  artifactType: manifests.artifactType,
  annotations: manifests.annotations,
  configMediaType: manifests.configMediaType,
  source: manifests.source,
  createdAt: manifests.createdAt,
};

const rowColumns = { ...summaryColumns, content: manifests.content };

function inRepository(repositoryId: number, digest: string) {
  return and(eq(manifests.repositoryId, repositoryId), eq(manifests.digest, digest));
}

export async function getManifest(db: Database, repositoryId: number, digest: string): Promise<ManifestRow | null> {
  const rows = await db.select(rowColumns).from(manifests).where(inRepository(repositoryId, digest));
  return rows[0] ?? null;
}

export async function getManifestByTag(db: Database, repositoryId: number, tag: string): Promise<ManifestRow | null> {
  const rows = await db
    .select(rowColumns)
    .from(tags)
    .innerJoin(manifests, and(eq(manifests.repositoryId, tags.repositoryId), eq(manifests.digest, tags.digest)))
    .where(and(eq(tags.repositoryId, repositoryId), eq(tags.name, tag)));
  return rows[0] ?? null;
}

/** Of `digests`, those with no manifest in the repository, in input order without duplicates. */
export async function missingManifests(db: Database, repositoryId: number, digests: string[]): Promise<string[]> {
  const wanted = distinct(digests);
  if (wanted.length === 0) return [];
  const rows = await db
    .select({ digest: manifests.digest })
    .from(manifests)
    .where(and(eq(manifests.repositoryId, repositoryId), inArray(manifests.digest, wanted)));
  const present = new Set(rows.map((row) => row.digest));
  return wanted.filter((digest) => !present.has(digest));
}

export async function putManifest(db: Database, manifest: NewManifest): Promise<void> {
  const { repositoryId, digest } = manifest;
  await db.transaction(async (tx) => {
    // Same digest means same bytes: keep the stored row. The no-op update (instead of DO NOTHING)
    // locks that row, so a concurrent deleteManifest cannot remove it under the inserts below.
    await tx
      .insert(manifests)
      .values({
        repositoryId,
        digest,
        mediaType: manifest.mediaType,
        size: manifest.content.byteLength,
        content: manifest.content,
        subject: manifest.subject,
        artifactType: manifest.artifactType,
        annotations: manifest.annotations,
        configMediaType: manifest.configMediaType,
        source: manifest.source,
      })
      .onConflictDoUpdate({
        target: [manifests.repositoryId, manifests.digest],
        set: { mediaType: sql`${manifests.mediaType}` },
      });

    await tx
      .delete(manifestBlobRefs)
      .where(and(eq(manifestBlobRefs.repositoryId, repositoryId), eq(manifestBlobRefs.manifestDigest, digest)));
    const blobRefs = distinct(manifest.blobRefs);
    if (blobRefs.length > 0) {
      await tx
        .insert(manifestBlobRefs)
        .values(blobRefs.map((blobDigest) => ({ repositoryId, manifestDigest: digest, blobDigest })))
        .onConflictDoNothing();
    }

    await tx
      .delete(manifestChildren)
      .where(and(eq(manifestChildren.repositoryId, repositoryId), eq(manifestChildren.parentDigest, digest)));
    const children = distinct(manifest.manifestRefs);
    if (children.length > 0) {
      await tx
        .insert(manifestChildren)
        .values(children.map((childDigest) => ({ repositoryId, parentDigest: digest, childDigest })))
        .onConflictDoNothing();
    }

    // Sorted so concurrent puts sharing several tags lock them in one order (no deadlock).
    const tagNames = distinct(manifest.tags).sort();
    const cached = manifest.source === 'cached';
    if (tagNames.length > 0) {
      await tx
        .insert(tags)
        .values(tagNames.map((name) => ({ repositoryId, name, digest, source: manifest.source, checkedAt: cached ? sql`now()` : null })))
        .onConflictDoUpdate({
          target: [tags.repositoryId, tags.name],
          set: { digest: sql`excluded.digest`, source: sql`excluded.source`, checkedAt: sql`excluded.checked_at`, updatedAt: sql`now()` },
        });
    }
  });
}

/** One statement: the foreign keys cascade to the manifest's tags and references. */
export async function deleteManifest(db: Database, repositoryId: number, digest: string): Promise<boolean> {
  const rows = await db
    .delete(manifests)
    .where(inRepository(repositoryId, digest))
    .returning({ digest: manifests.digest });
  return rows.length > 0;
}

export async function listReferrers(
  db: Database,
  repositoryId: number,
  subjectDigest: string,
): Promise<ManifestSummary[]> {
  return db
    .select(summaryColumns)
    .from(manifests)
    .where(and(eq(manifests.repositoryId, repositoryId), eq(manifests.subject, subjectDigest)))
    .orderBy(asc(manifests.digest));
}

export async function getManifestSummaries(
  db: Database,
  repositoryId: number,
  digests: string[],
): Promise<ManifestSummary[]> {
  const wanted = distinct(digests);
  if (wanted.length === 0) return [];
  return db
    .select(summaryColumns)
    .from(manifests)
    .where(and(eq(manifests.repositoryId, repositoryId), inArray(manifests.digest, wanted)));
}

/**
 * Stored indexes of the repository named `repository` that list `childDigest` (the manifest_children
 * rows naming it), in one query: the repository is joined by its unique name, not read first.
 */
export async function listParentIndexes(db: Database, repository: string, childDigest: string): Promise<string[]> {
  const rows = await db
    .select({ digest: manifestChildren.parentDigest })
    .from(manifestChildren)
    .innerJoin(repositories, eq(repositories.id, manifestChildren.repositoryId))
    .where(and(eq(repositories.name, repository), eq(manifestChildren.childDigest, childDigest)))
    .orderBy(asc(manifestChildren.parentDigest))
    .limit(100);
  return rows.map((row) => row.digest);
}
