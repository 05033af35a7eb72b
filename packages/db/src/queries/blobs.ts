import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { BlobRow } from '../metadata-store.js';
import { blobs, repositoryBlobs } from '../schema.js';
import { distinct } from './paging.js';

/**
 * Record the blob (global) and link it to the repository; both idempotent. Clears a GC mark, but
 * leaves a row a collector claimed as it is: the caller was to claim it first (claimBlob), and
 * un-claiming it here would not bring back bytes the collector may already have deleted.
 */
export async function linkBlob(db: Database, repositoryId: number, blob: BlobRow): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(blobs)
      .values({ digest: blob.digest, size: blob.size })
      .onConflictDoUpdate({
        target: blobs.digest,
        // A row claimed before its size was known (a monolithic upload claims with size 0) gets it now.
        set: { gcMarkedAt: null, size: sql`excluded.size` },
        where: and(or(isNotNull(blobs.gcMarkedAt), sql`${blobs.size} <> excluded.size`), isNull(blobs.gcDeletingSince)),
      });
    await tx
      .insert(repositoryBlobs)
      .values({ repositoryId, digest: blob.digest })
      .onConflictDoNothing({ target: [repositoryBlobs.repositoryId, repositoryBlobs.digest] });
  });
}

export async function getLinkedBlob(db: Database, repositoryId: number, digest: string): Promise<BlobRow | null> {
  const rows = await db
    .select({ digest: blobs.digest, size: blobs.size })
    .from(repositoryBlobs)
    .innerJoin(blobs, eq(blobs.digest, repositoryBlobs.digest))
    .where(and(eq(repositoryBlobs.repositoryId, repositoryId), eq(repositoryBlobs.digest, digest)));
  return rows[0] ?? null;
}

export async function getBlob(db: Database, digest: string): Promise<BlobRow | null> {
  const rows = await db.select({ digest: blobs.digest, size: blobs.size }).from(blobs).where(eq(blobs.digest, digest));
  return rows[0] ?? null;
}

export async function unlinkBlob(db: Database, repositoryId: number, digest: string): Promise<boolean> {
  const rows = await db
    .delete(repositoryBlobs)
    .where(and(eq(repositoryBlobs.repositoryId, repositoryId), eq(repositoryBlobs.digest, digest)))
    .returning({ digest: repositoryBlobs.digest });
  return rows.length > 0;
}

/** Of `digests`, those not linked to the repository, in input order without duplicates. */
export async function missingBlobs(db: Database, repositoryId: number, digests: string[]): Promise<string[]> {
  const wanted = distinct(digests);
  if (wanted.length === 0) return [];
  const rows = await db
    .select({ digest: repositoryBlobs.digest })
    .from(repositoryBlobs)
    .where(and(eq(repositoryBlobs.repositoryId, repositoryId), inArray(repositoryBlobs.digest, wanted)));
  const linked = new Set(rows.map((row) => row.digest));
  return wanted.filter((digest) => !linked.has(digest));
}
