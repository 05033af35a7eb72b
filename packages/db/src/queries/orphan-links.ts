import { and, eq, inArray, lt, notExists } from 'drizzle-orm';
import type { Database } from '../database.js';
import { manifestBlobRefs, repositories, repositoryBlobs } from '../schema.js';

/**
 * Remove the project's blob links that were made before `linkedBefore` and that no manifest of
 * their repository references: blobs fetched or pushed without a manifest that ever came. One
 * statement; the blob rows and bytes stay for the garbage collector.
 */
export async function unlinkOrphanBlobs(db: Database, projectId: number, linkedBefore: Date): Promise<number> {
  const projectRepositories = db.select({ id: repositories.id }).from(repositories).where(eq(repositories.projectId, projectId));
  const referenced = db
    .select({ digest: manifestBlobRefs.blobDigest })
    .from(manifestBlobRefs)
    .where(and(eq(manifestBlobRefs.repositoryId, repositoryBlobs.repositoryId), eq(manifestBlobRefs.blobDigest, repositoryBlobs.digest)));
  const removed = await db
    .delete(repositoryBlobs)
    .where(and(inArray(repositoryBlobs.repositoryId, projectRepositories), lt(repositoryBlobs.createdAt, linkedBefore), notExists(referenced)))
    .returning({ digest: repositoryBlobs.digest });
  return removed.length;
}
