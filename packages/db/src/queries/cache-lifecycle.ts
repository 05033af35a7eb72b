import { and, asc, eq, isNull, lt, notExists, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../database.js';
import type { CachedImage } from '../metadata-store.js';
import { manifestChildren, manifests, repositories } from '../schema.js';

// Keeps each statement's parameter count far below Postgres's 65,535.
const PULLS_PER_STATEMENT = 1000;

/**
 * Move last_pulled_at forward to `at`; rows already at or past it are not written. The rows are
 * locked in key order first, so two recorders with overlapping lists cannot deadlock.
 */
export async function recordManifestPulls(
  db: Database,
  pulls: ReadonlyArray<{ repositoryId: number; digest: string }>,
  at: Date,
): Promise<void> {
  const unique = new Map(pulls.map((pull) => [`${pull.repositoryId} ${pull.digest}`, pull]));
  const all = [...unique.values()];
  for (let start = 0; start < all.length; start += PULLS_PER_STATEMENT) {
    const keys = sql.join(
      all.slice(start, start + PULLS_PER_STATEMENT).map((pull) => sql`(${pull.repositoryId}::integer, ${pull.digest})`),
      sql`, `,
    );
    const older = or(isNull(manifests.lastPulledAt), lt(manifests.lastPulledAt, at));
    const stale = db
      .select({ repositoryId: manifests.repositoryId, digest: manifests.digest })
      .from(manifests)
      .where(and(sql`(${manifests.repositoryId}, ${manifests.digest}) in (${keys})`, older))
      .orderBy(asc(manifests.repositoryId), asc(manifests.digest))
      .for('update');
    await db
      .update(manifests)
      .set({ lastPulledAt: at })
      .where(and(sql`(${manifests.repositoryId}, ${manifests.digest}) in (${stale})`, older));
  }
}

const child = alias(manifests, 'child');

/**
 * Image roots of a project's cached content with the time each was last used. Every
 * manifest_children row has a stored parent (its foreign key), so "listed by no stored index" is
 * "in no manifest_children row". GREATEST ignores nulls: a pulled child counts even when the index
 * itself was never pulled.
 */
export async function listCachedImages(
  db: Database,
  projectId: number,
  options: { limit: number; usedBefore?: Date },
): Promise<CachedImage[]> {
  if (options.limit <= 0) return [];
  const latestChildPull = db
    .select({ at: sql`max(${child.lastPulledAt})` })
    .from(manifestChildren)
    .innerJoin(child, and(eq(child.repositoryId, manifestChildren.repositoryId), eq(child.digest, manifestChildren.childDigest)))
    .where(and(eq(manifestChildren.repositoryId, manifests.repositoryId), eq(manifestChildren.parentDigest, manifests.digest)));
  const listedByAnIndex = db
    .select({ one: sql`1` })
    .from(manifestChildren)
    .where(and(eq(manifestChildren.repositoryId, manifests.repositoryId), eq(manifestChildren.childDigest, manifests.digest)));

  const images = db
    .select({
      repositoryId: manifests.repositoryId,
      repository: repositories.name,
      digest: manifests.digest,
      lastUsedAt: sql<Date>`coalesce(greatest(${manifests.lastPulledAt}, (${latestChildPull})), ${manifests.createdAt})`
        .mapWith(manifests.createdAt)
        .as('last_used_at'),
    })
    .from(manifests)
    .innerJoin(repositories, eq(repositories.id, manifests.repositoryId))
    .where(
      and(
        eq(repositories.projectId, projectId),
        eq(manifests.source, 'cached'),
        isNull(manifests.subject),
        notExists(listedByAnIndex),
      ),
    )
    .as('images');

  return db
    .select()
    .from(images)
    .where(options.usedBefore === undefined ? undefined : sql`${images.lastUsedAt} < ${options.usedBefore.toISOString()}::timestamptz`)
    .orderBy(asc(images.lastUsedAt), asc(images.repositoryId), asc(images.digest))
    .limit(options.limit);
}
