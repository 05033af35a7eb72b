import { asc, eq } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { Page, RepositoryRow } from '../metadata-store.js';
import { repositories } from '../schema.js';
import { afterCondition } from './paging.js';

export async function getRepository(db: Database, name: string): Promise<RepositoryRow | null> {
  const rows = await db.select().from(repositories).where(eq(repositories.name, name));
  return rows[0] ?? null;
}

/** Insert-or-nothing then read: concurrent callers all get the one row (names are unique). */
export async function ensureRepository(db: Database, projectId: number, name: string): Promise<RepositoryRow> {
  const inserted = await db
    .insert(repositories)
    .values({ projectId, name })
    .onConflictDoNothing({ target: repositories.name })
    .returning();
  const row = inserted[0] ?? (await getRepository(db, name));
  if (row === null) throw new Error(`repository ${name} vanished while being ensured`);
  return row;
}

export async function listRepositories(db: Database, page: Page): Promise<string[]> {
  const query = db
    .select({ name: repositories.name })
    .from(repositories)
    .where(afterCondition(repositories.name, page))
    .orderBy(asc(repositories.name));
  const rows = page.limit === undefined ? await query : await query.limit(page.limit);
  return rows.map((row) => row.name);
}
