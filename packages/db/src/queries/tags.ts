import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { Page } from '../metadata-store.js';
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
