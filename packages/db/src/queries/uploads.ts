import { and, asc, eq, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { UploadClaim, UploadRow } from '../metadata-store.js';
import { uploads } from '../schema.js';

export async function createUpload(db: Database, id: string, repositoryId: number): Promise<UploadRow> {
  const rows = await db.insert(uploads).values({ id, repositoryId }).returning();
  const row = rows[0];
  if (row === undefined) throw new Error(`insert of upload ${id} returned no row`);
  return row;
}

export async function getUpload(db: Database, id: string): Promise<UploadRow | null> {
  const rows = await db.select().from(uploads).where(eq(uploads.id, id));
  return rows[0] ?? null;
}

// A session is claimed by one writer at a time (one chunk or the commit) with a compare-and-set
// on its row: `updated_at` set into the future is the claim, held until that moment unless renewed
// or released, and its exact value (to the millisecond, as a JS Date carries it) is the holder's
// token. Database time decides, so replicas' clocks do not matter, and a claim of a crashed writer
// lapses by itself. A claim can only be taken once the previous one lapsed or was released, so
// its `until` is later than any earlier claim's: tokens are never reused.

/** `now()` plus `leaseMs`, cut to milliseconds so the value survives the trip through a JS Date. */
function leaseEnd(leaseMs: number) {
  return sql`date_trunc('milliseconds', now()) + ${Math.max(1, Math.round(leaseMs))} * interval '1 millisecond'`;
}

/**
 * Take the session at `offset` for `leaseMs`, unless its offset moved or another writer holds it;
 * with `unchangedSince`, also unless its `updated_at` (to the millisecond) moved from that mark.
 */
export async function claimUpload(
  db: Database,
  id: string,
  offset: number,
  leaseMs: number,
  unchangedSince?: Date,
): Promise<UploadClaim | null> {
  const unchanged = unchangedSince === undefined ? undefined : sql`date_trunc('milliseconds', ${uploads.updatedAt}) = ${unchangedSince.toISOString()}::timestamptz`;
  const rows = await db
    .update(uploads)
    .set({ updatedAt: leaseEnd(leaseMs) })
    .where(and(eq(uploads.id, id), eq(uploads.offset, offset), lte(uploads.updatedAt, sql`now()`), unchanged))
    .returning({ until: uploads.updatedAt });
  const row = rows[0];
  return row === undefined ? null : { id, offset, until: row.until };
}

/** Extend a claim still held; its new token, or null when it was lost (lapsed and taken, or the session is gone). */
export async function renewUploadClaim(db: Database, claim: UploadClaim, leaseMs: number): Promise<UploadClaim | null> {
  const rows = await db
    .update(uploads)
    .set({ updatedAt: leaseEnd(leaseMs) })
    .where(heldBy(claim))
    .returning({ until: uploads.updatedAt });
  const row = rows[0];
  return row === undefined ? null : { ...claim, until: row.until };
}

/** End a claim, recording `offset` as the bytes received: the row's new `updated_at`, or null when the claim was no longer held. */
export async function releaseUploadClaim(db: Database, claim: UploadClaim, offset: number): Promise<Date | null> {
  const rows = await db
    .update(uploads)
    .set({ offset, updatedAt: sql`now()` })
    .where(heldBy(claim))
    .returning({ at: uploads.updatedAt });
  return rows[0]?.at ?? null;
}

function heldBy(claim: UploadClaim) {
  return and(eq(uploads.id, claim.id), eq(uploads.offset, claim.offset), eq(uploads.updatedAt, claim.until));
}

export async function deleteUpload(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(uploads).where(eq(uploads.id, id)).returning({ id: uploads.id });
  return rows.length > 0;
}

/** Sessions not written to since `updatedBefore`, oldest first (ties by id, for a stable order). */
export async function listStaleUploads(db: Database, updatedBefore: Date, limit: number): Promise<UploadRow[]> {
  if (limit <= 0) return [];
  return db
    .select()
    .from(uploads)
    .where(lt(uploads.updatedAt, updatedBefore))
    .orderBy(asc(uploads.updatedAt), asc(uploads.id))
    .limit(limit);
}
