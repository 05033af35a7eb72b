import { and, eq, inArray, notExists, type SQL } from 'drizzle-orm';
import type { Database } from '../database.js';
import { manifestBlobRefs, manifests, repositories, repositoryBlobs } from '../schema.js';

/**
 * Forget what a proxy project cached, in one transaction: its `cached` manifests (the foreign keys
 * take their tags, blob references and child lists), then the links to the blobs those manifests
 * referenced that no remaining manifest of the repository references. Other links stay: a local push
 * in progress has uploaded blobs that no manifest references yet. Blob rows and bytes stay for GC.
 */
export async function purgeCachedContent(
  db: Database,
  projectId: number,
  repositoryName?: string,
): Promise<{ manifests: number; blobLinks: number }> {
  const inScope: SQL[] = [eq(repositories.projectId, projectId)];
  if (repositoryName !== undefined) inScope.push(eq(repositories.name, repositoryName));

  return db.transaction(async (tx) => {
    const repositoryIds = tx
      .select({ id: repositories.id })
      .from(repositories)
      .where(and(...inScope));

    const cachedInScope = and(inArray(manifests.repositoryId, repositoryIds), eq(manifests.source, 'cached'));
    const referenced = await tx
      .selectDistinct({ repositoryId: manifestBlobRefs.repositoryId, digest: manifestBlobRefs.blobDigest })
      .from(manifestBlobRefs)
      .innerJoin(manifests, and(eq(manifests.repositoryId, manifestBlobRefs.repositoryId), eq(manifests.digest, manifestBlobRefs.manifestDigest)))
      .where(cachedInScope);

    const purgedManifests = await tx
      .delete(manifests)
      .where(cachedInScope)
      .returning({ digest: manifests.digest });

    const stillReferenced = tx
      .select({ digest: manifestBlobRefs.blobDigest })
      .from(manifestBlobRefs)
      .where(
        and(
          eq(manifestBlobRefs.repositoryId, repositoryBlobs.repositoryId),
          eq(manifestBlobRefs.blobDigest, repositoryBlobs.digest),
        ),
      );
    const digestsByRepository = new Map<number, string[]>();
    for (const { repositoryId, digest } of referenced) {
      const list = digestsByRepository.get(repositoryId) ?? [];
      list.push(digest);
      digestsByRepository.set(repositoryId, list);
    }
    let blobLinks = 0;
    for (const [repositoryId, digests] of digestsByRepository) {
      const purged = await tx
        .delete(repositoryBlobs)
        .where(and(eq(repositoryBlobs.repositoryId, repositoryId), inArray(repositoryBlobs.digest, digests), notExists(stillReferenced)))
        .returning({ digest: repositoryBlobs.digest });
      blobLinks += purged.length;
    }
    return { manifests: purgedManifests.length, blobLinks };
  });
}
