import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import type { ProjectKind, ProjectRow } from '../metadata-store.js';
import { projects } from '../schema.js';

export async function getProject(db: Database, name: string): Promise<ProjectRow | null> {
  const rows = await db.select().from(projects).where(eq(projects.name, name));
  return rows[0] ?? null;
}

export async function ensureProject(
  db: Database,
  name: string,
  kind: ProjectKind,
  settings: Record<string, unknown>,
): Promise<ProjectRow> {
  // A conflicting insert waits for the other writer to commit, so the select below then sees its row.
  const inserted = await db
    .insert(projects)
    .values({ name, kind, settings })
    .onConflictDoNothing({ target: projects.name })
    .returning();
  const row = inserted[0] ?? (await getProject(db, name));
  if (row === null) throw new Error(`project ${name} vanished while being ensured`);
  return row;
}

export async function upsertProject(
  db: Database,
  name: string,
  kind: ProjectKind,
  settings: Record<string, unknown>,
): Promise<ProjectRow> {
  const rows = await db
    .insert(projects)
    .values({ name, kind, settings })
    .onConflictDoUpdate({
      target: projects.name,
      set: { kind: sql`excluded.kind`, settings: sql`excluded.settings`, updatedAt: sql`now()` },
    })
    .returning();
  const row = rows[0];
  if (row === undefined) throw new Error(`upsert of project ${name} returned no row`);
  return row;
}

export async function listProjects(db: Database): Promise<ProjectRow[]> {
  return db.select().from(projects).orderBy(asc(projects.name));
}
