import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { ProjectStats } from '../metadata-store.js';
import { blobs, manifests, projects, repositories, repositoryBlobs } from '../schema.js';

/**
 * Counts for one project in one statement. count() is bigint and sum() numeric, which the drivers
 * return as strings: mapWith(Number) makes them numbers (sizes stay far below 2^53).
 */
export async function projectStats(db: Database, projectId: number): Promise<ProjectStats> {
  const projectRepositories = db
    .select({ id: repositories.id })
    .from(repositories)
    .where(eq(repositories.projectId, projectId));
  const linkedDigests = db
    .select({ digest: repositoryBlobs.digest })
    .from(repositoryBlobs)
    .where(inArray(repositoryBlobs.repositoryId, projectRepositories));
  // `in (subquery)` counts a blob linked to several repositories once.
  const linkedBlobs = db
    .select({
      count: sql<number>`count(*)`.mapWith(Number).as('count'),
      bytes: sql<number>`coalesce(sum(${blobs.size}), 0)`.mapWith(Number).as('bytes'),
    })
    .from(blobs)
    .where(inArray(blobs.digest, linkedDigests))
    .as('linked_blobs');

  const rows = await db
    .select({
      repositories: db.$count(repositories, eq(repositories.projectId, projectId)),
      manifests: db.$count(manifests, inArray(manifests.repositoryId, projectRepositories)),
      blobs: linkedBlobs.count,
      blobBytes: linkedBlobs.bytes,
      lastPulledAt: projects.lastPulledAt,
    })
    .from(projects)
    .crossJoin(linkedBlobs)
    .where(eq(projects.id, projectId));
  const row = rows[0];
  if (row === undefined) throw new Error(`no project with id ${projectId}`);
  return row;
}

/** Only moves forward: a late writer with an older time changes nothing (and writes nothing). */
export async function recordProjectPull(db: Database, projectId: number, at: Date): Promise<void> {
  await db
    .update(projects)
    .set({ lastPulledAt: at })
    .where(and(eq(projects.id, projectId), or(isNull(projects.lastPulledAt), lt(projects.lastPulledAt, at))));
}
