import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { ManifestRow, RepositoryPage, RepositorySummary, TagDetail } from '../metadata-store.js';
import { manifests, repositories, tags } from '../schema.js';
import { afterCondition } from './paging.js';

/**
 * Browsing for the admin API and the console: a project's repositories with their numbers, a
 * repository's tags with their manifests. Correlated subqueries per row, written in SQL (drizzle
 * leaves columns unqualified inside `sql`); a page is at most a thousand rows and each subquery
 * reads by the repository's key prefix. Sizes are of the blobs stored (linked), not of the images.
 */
export async function browseRepositories(db: Database, projectId: number, page: RepositoryPage): Promise<RepositorySummary[]> {
  const query = db
    .select({
      name: repositories.name,
      createdAt: repositories.createdAt,
      tagCount: sql<number>`(select count(*) from tags t where t.repository_id = "repositories"."id")`.mapWith(Number),
      manifestCount: sql<number>`(select count(*) from manifests m where m.repository_id = "repositories"."id")`.mapWith(Number),
      sizeBytes: sql<number>`(select coalesce(sum(b.size), 0) from repository_blobs rb join blobs b on b.digest = rb.digest where rb.repository_id = "repositories"."id")`.mapWith(Number),
      lastPushedAt: sql<Date | null>`(select max(m.created_at) from manifests m where m.repository_id = "repositories"."id" and m.source = 'local')`.mapWith(toDate),
      lastCachedAt: sql<Date | null>`(select max(m.created_at) from manifests m where m.repository_id = "repositories"."id" and m.source = 'cached')`.mapWith(toDate),
      lastPulledAt: sql<Date | null>`(select max(m.last_pulled_at) from manifests m where m.repository_id = "repositories"."id")`.mapWith(toDate),
    })
    .from(repositories)
    .where(
      and(
        eq(repositories.projectId, projectId),
        afterCondition(repositories.name, page),
        // strpos: a plain substring test, no LIKE wildcards to escape.
        page.contains === undefined || page.contains === '' ? undefined : sql`strpos(${repositories.name}, ${page.contains}) > 0`,
      ),
    )
    .orderBy(asc(repositories.name));
  return page.limit === undefined ? await query : await query.limit(page.limit);
}

/** Tags of a repository in lexical order, each with the manifest it points at. */
export async function tagDetails(db: Database, repositoryId: number, page: { limit?: number; after?: string; digest?: string }): Promise<TagDetail[]> {
  const query = db
    .select({
      name: tags.name,
      digest: tags.digest,
      source: tags.source,
      checkedAt: tags.checkedAt,
      updatedAt: tags.updatedAt,
      mediaType: manifests.mediaType,
      artifactType: manifests.artifactType,
      configMediaType: manifests.configMediaType,
      size: manifests.size,
      content: manifests.content,
      createdAt: manifests.createdAt,
      lastPulledAt: manifests.lastPulledAt,
    })
    .from(tags)
    .innerJoin(manifests, and(eq(manifests.repositoryId, tags.repositoryId), eq(manifests.digest, tags.digest)))
    .where(
      and(
        eq(tags.repositoryId, repositoryId),
        page.after === undefined ? undefined : gt(tags.name, page.after),
        page.digest === undefined ? undefined : eq(tags.digest, page.digest),
      ),
    )
    .orderBy(asc(tags.name));
  return page.limit === undefined ? await query : await query.limit(page.limit);
}

/** Delete a repository with everything in it (manifests, tags, blob links, uploads); blob bytes stay for GC. */
export async function deleteRepository(db: Database, repositoryId: number): Promise<boolean> {
  const rows = await db.delete(repositories).where(eq(repositories.id, repositoryId)).returning({ id: repositories.id });
  return rows.length > 0;
}

/** Manifests' last pull times (the summary type omits them). */
export async function manifestPulledAt(db: Database, repositoryId: number, digest: string): Promise<Date | null> {
  const rows = await db
    .select({ at: manifests.lastPulledAt })
    .from(manifests)
    .where(and(eq(manifests.repositoryId, repositoryId), eq(manifests.digest, digest)));
  return rows[0]?.at ?? null;
}

/** max() over timestamptz comes back as a string from pg and as a Date from PGlite. */
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/** Several manifests of a repository with their bytes (an index's stored children). */
export async function getManifests(db: Database, repositoryId: number, digests: string[]): Promise<ManifestRow[]> {
  if (digests.length === 0) return [];
  const rows = await db
    .select()
    .from(manifests)
    .where(and(eq(manifests.repositoryId, repositoryId), inArray(manifests.digest, digests)));
  return rows.map(({ lastPulledAt: _lastPulledAt, ...row }) => row);
}
