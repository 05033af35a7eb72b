import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { UploadRow } from '../metadata-store.js';
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

/** Compare-and-set on the offset: of two writers racing from the same offset, exactly one wins. */
export async function advanceUpload(
  db: Database,
  id: string,
  expectedOffset: number,
  newOffset: number,
): Promise<boolean> {
  const rows = await db
    .update(uploads)
    .set({ offset: newOffset, updatedAt: sql`now()` })
    .where(and(eq(uploads.id, id), eq(uploads.offset, expectedOffset)))
    .returning({ id: uploads.id });
  return rows.length > 0;
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
