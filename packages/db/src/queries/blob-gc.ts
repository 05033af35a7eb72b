import { and, asc, eq, inArray, isNotNull, isNull, lt, notExists, or, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { BlobRow } from '../metadata-store.js';
import { blobs, repositoryBlobs } from '../schema.js';
import { distinct } from './paging.js';

/**
 * Blob garbage collection in three steps, safe against concurrent writers:
 *   1. mark every unlinked row (gc_marked_at);
 *   2. after a grace period, claim marked rows that are still unlinked (gc_deleting_since);
 *      the collector deletes their bytes;
 *   3. forget (delete) the claimed rows that are still claimed and unlinked.
 * A writer calls claimBlob before writing or relying on bytes: it clears the mark (so step 2 skips
 * the row until it is marked again and the grace passes) unless a live collector already claimed it.
 * A claim older than CLAIM_EXPIRY belongs to a collector that died; writers and collectors take it over.
 */
const CLAIM_EXPIRY = sql`interval '10 minutes'`;

/** The row is claimed by a collector that is still within its time (not taken over). */
const claimedByLiveCollector = and(
  isNotNull(blobs.gcDeletingSince),
  sql`${blobs.gcDeletingSince} >= now() - ${CLAIM_EXPIRY}`,
);
const notClaimedByLiveCollector = or(isNull(blobs.gcDeletingSince), sql`${blobs.gcDeletingSince} < now() - ${CLAIM_EXPIRY}`);

function unlinked(db: Database) {
  return notExists(db.select({ one: sql`1` }).from(repositoryBlobs).where(eq(repositoryBlobs.digest, blobs.digest)));
}

/**
 * Create the row, or clear its mark and a dead collector's claim. Rows that are already clear are
 * not rewritten (writers claim often), so "no row updated" needs a second look to
 * tell "already clear" from "a live collector is deleting it".
 */
export async function claimBlob(db: Database, blob: BlobRow): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const written = await db
      .insert(blobs)
      .values({ digest: blob.digest, size: blob.size })
      .onConflictDoUpdate({
        target: blobs.digest,
        set: { gcMarkedAt: null, gcDeletingSince: null },
        where: and(or(isNotNull(blobs.gcMarkedAt), isNotNull(blobs.gcDeletingSince)), notClaimedByLiveCollector),
      })
      .returning({ digest: blobs.digest });
    if (written.length > 0) return true;

    const rows = await db
      .select({
        clear: sql<boolean>`${blobs.gcMarkedAt} is null and ${blobs.gcDeletingSince} is null`,
        live: sql<boolean>`coalesce(${claimedByLiveCollector}, false)`,
      })
      .from(blobs)
      .where(eq(blobs.digest, blob.digest));
    const row = rows[0];
    if (row?.live === true) return false;
    if (row?.clear === true) return true;
    // The row changed in between (forgotten, marked, or its claim just expired): try again.
  }
  return false;
}

/** Step 1: one statement; returns how many rows were marked. */
export async function markUnlinkedBlobs(db: Database): Promise<number> {
  const marked = db.$with('marked').as(
    db
      .update(blobs)
      .set({ gcMarkedAt: sql`now()` })
      .where(and(isNull(blobs.gcMarkedAt), isNull(blobs.gcDeletingSince), unlinked(db)))
      .returning({ digest: blobs.digest }),
  );
  const rows = await db
    .with(marked)
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(marked);
  return rows[0]?.count ?? 0;
}

/**
 * Step 2: one statement. The subquery locks the rows it picks, and a row that another collector
 * or a writer (claimBlob, linkBlob's foreign-key check) holds is skipped rather than waited for:
 * each row goes to one collector, and a writer that got there first keeps it. Without the lock,
 * two collectors could both pick a row and both claim it.
 */
export async function claimBlobsForDeletion(db: Database, markedBefore: Date, limit: number): Promise<BlobRow[]> {
  if (limit <= 0) return [];
  const claimable = db
    .select({ digest: blobs.digest })
    .from(blobs)
    .where(and(isNotNull(blobs.gcMarkedAt), lt(blobs.gcMarkedAt, markedBefore), notClaimedByLiveCollector, unlinked(db)))
    .orderBy(asc(blobs.gcMarkedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(blobs)
    .set({ gcDeletingSince: sql`now()` })
    .where(inArray(blobs.digest, claimable))
    .returning({ digest: blobs.digest, size: blobs.size });
}

/**
 * Step 3. The rows are locked first, so a link committed meanwhile is seen by the DELETE's fresh
 * snapshot and its row stays (deleting it would violate repository_blobs' foreign key).
 */
export async function forgetBlobs(db: Database, digests: string[]): Promise<number> {
  const wanted = distinct(digests).sort();
  if (wanted.length === 0) return 0;
  return db.transaction(async (tx) => {
    const claimed = and(inArray(blobs.digest, wanted), isNotNull(blobs.gcDeletingSince));
    await tx.select({ digest: blobs.digest }).from(blobs).where(claimed).orderBy(asc(blobs.digest)).for('update');
    const forgotten = await tx
      .delete(blobs)
      .where(and(claimed, unlinked(tx)))
      .returning({ digest: blobs.digest });
    return forgotten.length;
  });
}
