import { and, asc, eq, exists, inArray, like, notExists, notInArray, or, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { EvictionResult } from '../metadata-store.js';
import { manifestBlobRefs, manifestChildren, manifests, repositoryBlobs, tags } from '../schema.js';

const nothingEvicted: EvictionResult = { manifests: 0, blobLinks: 0 };

/**
 * Delete one cached image in one transaction. What goes with it is found round by round until no
 * round adds anything: a cached manifest goes when something already going lists it as a child, is
 * its subject, or has the referrers tag (`sha256-<hex>`, cosign's `sha256-<hex>.sig` ...) it is
 * tagged with — and no manifest that stays lists it. Local manifests never go. A root that a stored
 * index lists is part of that image, not an image of its own: nothing is evicted.
 */
export async function evictCachedImage(db: Database, repositoryId: number, digest: string): Promise<EvictionResult> {
  return db.transaction(async (tx) => {
    const root = await tx
      .select({ source: manifests.source })
      .from(manifests)
      .where(and(eq(manifests.repositoryId, repositoryId), eq(manifests.digest, digest)));
    if (root[0]?.source !== 'cached') return nothingEvicted;
    const listed = await tx
      .select({ parent: manifestChildren.parentDigest })
      .from(manifestChildren)
      .where(and(eq(manifestChildren.repositoryId, repositoryId), eq(manifestChildren.childDigest, digest)))
      .limit(1);
    if (listed.length > 0) return nothingEvicted;

    const doomed = new Set([digest]);
    for (;;) {
      const next = await tx
        .select({ digest: manifests.digest })
        .from(manifests)
        .where(goesWith(tx, repositoryId, [...doomed]));
      if (next.length === 0) break;
      for (const row of next) doomed.add(row.digest);
    }
    const going = [...doomed].sort();

    // Locked in key order, as recordManifestPulls does, so the two cannot deadlock. The DELETE
    // re-checks the source: a manifest's row is never replaced, so what was found still holds.
    await tx
      .select({ digest: manifests.digest })
      .from(manifests)
      .where(and(eq(manifests.repositoryId, repositoryId), inArray(manifests.digest, going)))
      .orderBy(asc(manifests.digest))
      .for('update');
    const referenced = await tx
      .selectDistinct({ digest: manifestBlobRefs.blobDigest })
      .from(manifestBlobRefs)
      .where(and(eq(manifestBlobRefs.repositoryId, repositoryId), inArray(manifestBlobRefs.manifestDigest, going)));
    // The foreign keys take the tags, blob references and child lists.
    const deleted = await tx
      .delete(manifests)
      .where(and(eq(manifests.repositoryId, repositoryId), inArray(manifests.digest, going), eq(manifests.source, 'cached')))
      .returning({ digest: manifests.digest });
    if (referenced.length === 0) return { manifests: deleted.length, blobLinks: 0 };

    const stillReferenced = tx
      .select({ one: sql`1` })
      .from(manifestBlobRefs)
      .where(and(eq(manifestBlobRefs.repositoryId, repositoryId), eq(manifestBlobRefs.blobDigest, repositoryBlobs.digest)));
    const unlinked = await tx
      .delete(repositoryBlobs)
      .where(
        and(
          eq(repositoryBlobs.repositoryId, repositoryId),
          inArray(repositoryBlobs.digest, referenced.map((row) => row.digest)),
          notExists(stillReferenced),
        ),
      )
      .returning({ digest: repositoryBlobs.digest });
    return { manifests: deleted.length, blobLinks: unlinked.length };
  });
}

/** Cached manifests of the repository, not yet going, that go with the `going` ones (see above). */
function goesWith(db: Database, repositoryId: number, going: string[]) {
  /** Index entries of the repository listing the manifest, by parents in `going` (or not in it). */
  const listedBy = (parentsGoing: boolean) =>
    db
      .select({ one: sql`1` })
      .from(manifestChildren)
      .where(
        and(
          eq(manifestChildren.repositoryId, repositoryId),
          eq(manifestChildren.childDigest, manifests.digest),
          parentsGoing ? inArray(manifestChildren.parentDigest, going) : notInArray(manifestChildren.parentDigest, going),
        ),
      );
  const childOfGoing = listedBy(true);
  const listedByOneThatStays = listedBy(false);
  // `sha256:<hex>` → `sha256-<hex>`, and cosign's `sha256-<hex>.<kind>` by a prefix LIKE (escaped:
  // the digest grammar allows `_`).
  const referrersTags = going.map((digest) => digest.replace(':', '-'));
  const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');
  const taggedForGoing = db
    .select({ one: sql`1` })
    .from(tags)
    .where(
      and(
        eq(tags.repositoryId, repositoryId),
        eq(tags.digest, manifests.digest),
        or(inArray(tags.name, referrersTags), ...referrersTags.map((tag) => like(tags.name, `${escapeLike(tag)}.%`))),
      ),
    );
  return and(
    eq(manifests.repositoryId, repositoryId),
    eq(manifests.source, 'cached'),
    notInArray(manifests.digest, going),
    or(exists(childOfGoing), inArray(manifests.subject, going), exists(taggedForGoing)),
    notExists(listedByOneThatStays),
  );
}
