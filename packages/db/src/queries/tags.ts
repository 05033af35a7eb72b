import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { Page, TagRow } from '../metadata-store.js';
import { tags } from '../schema.js';
import { afterCondition } from './paging.js';

/** Delete one tag; its manifest stays. */
export async function deleteTag(db: Database, repositoryId: number, tag: string): Promise<boolean> {
  const rows = await db
    .delete(tags)
    .where(and(eq(tags.repositoryId, repositoryId), eq(tags.name, tag)))
    .returning({ name: tags.name });
  return rows.length > 0;
}

export async function listTags(db: Database, repositoryId: number, page: Page): Promise<string[]> {
  const query = db
    .select({ name: tags.name })
    .from(tags)
    .where(and(eq(tags.repositoryId, repositoryId), afterCondition(tags.name, page)))
    .orderBy(asc(tags.name));
  const rows = page.limit === undefined ? await query : await query.limit(page.limit);
  return rows.map((row) => row.name);
}

export async function getTag(db: Database, repositoryId: number, tag: string): Promise<TagRow | null> {
  const rows = await db
    .select({ name: tags.name, digest: tags.digest, source: tags.source, checkedAt: tags.checkedAt })
    .from(tags)
    .where(and(eq(tags.repositoryId, repositoryId), eq(tags.name, tag)));
  return rows[0] ?? null;
}

/** Record that the upstream still maps the tag to `digest`; false when the tag moved meanwhile. */
export async function markTagChecked(db: Database, repositoryId: number, tag: string, digest: string): Promise<boolean> {
  const rows = await db
    .update(tags)
    .set({ checkedAt: sql`now()` })
    .where(and(eq(tags.repositoryId, repositoryId), eq(tags.name, tag), eq(tags.digest, digest)))
    .returning({ name: tags.name });
  return rows.length > 0;
}
