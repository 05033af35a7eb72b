import { asc, eq, sql } from 'drizzle-orm';
import { AlreadyExistsError } from '../account-store.js';
import type { Database } from '../database.js';
import type { ProjectKind, ProjectPatch, ProjectRow } from '../metadata-store.js';
import { projects } from '../schema.js';

/** The columns of a ProjectRow (last_pulled_at is reported by projectStats only). */
export const projectColumns = {
  id: projects.id,
  name: projects.name,
  kind: projects.kind,
  settings: projects.settings,
  public: projects.public,
  managedBy: projects.managedBy,
  createdAt: projects.createdAt,
  updatedAt: projects.updatedAt,
};

export async function getProject(db: Database, name: string): Promise<ProjectRow | null> {
  const rows = await db.select(projectColumns).from(projects).where(eq(projects.name, name));
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
    .returning(projectColumns);
  const row = inserted[0] ?? (await getProject(db, name));
  if (row === null) throw new Error(`project ${name} vanished while being ensured`);
  return row;
}

export async function upsertProject(
  db: Database,
  name: string,
  kind: ProjectKind,
  settings: Record<string, unknown>,
  options: { public?: boolean } = {},
): Promise<ProjectRow> {
  const rows = await db
    .insert(projects)
    .values({ name, kind, settings, public: options.public ?? false, managedBy: 'configuration' })
    .onConflictDoUpdate({
      target: projects.name,
      set: { kind: sql`excluded.kind`, settings: sql`excluded.settings`, public: sql`excluded.public`, managedBy: 'configuration', updatedAt: sql`now()` },
    })
    .returning(projectColumns);
  const row = rows[0];
  if (row === undefined) throw new Error(`upsert of project ${name} returned no row`);
  return row;
}

/** Insert-or-nothing, so a taken name is an empty result rather than an aborted statement. */
export async function createProject(
  db: Database,
  name: string,
  kind: ProjectKind,
  settings: Record<string, unknown>,
  options: { public: boolean },
): Promise<ProjectRow> {
  const rows = await db
    .insert(projects)
    .values({ name, kind, settings, public: options.public })
    .onConflictDoNothing({ target: projects.name })
    .returning(projectColumns);
  const row = rows[0];
  if (row === undefined) throw new AlreadyExistsError(`project ${name} already exists`);
  return row;
}

export async function updateProject(db: Database, name: string, patch: ProjectPatch): Promise<ProjectRow | null> {
  const rows = await db
    .update(projects)
    .set({ settings: patch.settings, public: patch.public, managedBy: patch.managedBy, updatedAt: sql`now()` })
    .where(eq(projects.name, name))
    .returning(projectColumns);
  return rows[0] ?? null;
}

/**
 * One statement: the foreign keys cascade to repositories (and through them manifests, tags,
 * references, blob links and uploads), members and robots. Blob rows and bytes stay for GC.
 */
export async function deleteProject(db: Database, name: string): Promise<boolean> {
  const rows = await db.delete(projects).where(eq(projects.name, name)).returning({ id: projects.id });
  return rows.length > 0;
}

export async function listProjects(db: Database): Promise<ProjectRow[]> {
  return db.select(projectColumns).from(projects).orderBy(asc(projects.name));
}
