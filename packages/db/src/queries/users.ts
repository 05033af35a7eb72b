import { asc, eq, sql } from 'drizzle-orm';
import { AlreadyExistsError, type NewUser, type UserPatch, type UserRow } from '../account-store.js';
import type { Database } from '../database.js';
import { users } from '../schema.js';

export async function getUser(db: Database, name: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.name, name));
  return rows[0] ?? null;
}

/** Insert-or-nothing, so a taken name is an empty result rather than an aborted statement. */
export async function createUser(db: Database, user: NewUser): Promise<UserRow> {
  const rows = await insertUnlessTaken(db, user);
  const row = rows[0];
  if (row === undefined) throw new AlreadyExistsError(`user ${user.name} already exists`);
  return row;
}

/** A conflicting insert waits for the other writer to commit, so the read below sees its row. */
export async function ensureUser(db: Database, user: NewUser): Promise<{ user: UserRow; created: boolean }> {
  const inserted = (await insertUnlessTaken(db, user))[0];
  if (inserted !== undefined) return { user: inserted, created: true };
  const existing = await getUser(db, user.name);
  if (existing === null) throw new Error(`user ${user.name} vanished while being ensured`);
  return { user: existing, created: false };
}

function insertUnlessTaken(db: Database, user: NewUser): Promise<UserRow[]> {
  return db
    .insert(users)
    .values({ name: user.name, passwordHash: user.passwordHash, admin: user.admin })
    .onConflictDoNothing({ target: users.name })
    .returning();
}

export async function listUsers(db: Database): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.name));
}

export async function updateUser(db: Database, name: string, patch: UserPatch): Promise<UserRow | null> {
  const revoke = patch.passwordHash !== undefined || patch.disabled === true;
  const rows = await db
    .update(users)
    .set({
      passwordHash: patch.passwordHash,
      admin: patch.admin,
      disabled: patch.disabled,
      ...(revoke ? { credentialStamp: sql`gen_random_uuid()::text` } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(users.name, name))
    .returning();
  return rows[0] ?? null;
}

/** The foreign key removes the user's memberships with it. */
export async function deleteUser(db: Database, name: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.name, name)).returning({ id: users.id });
  return rows.length > 0;
}

export async function countUserUnlock(db: Database, name: string): Promise<number | null> {
  const rows = await db
    .update(users)
    .set({ loginUnlocks: sql`${users.loginUnlocks} + 1` })
    .where(eq(users.name, name))
    .returning({ loginUnlocks: users.loginUnlocks });
  return rows[0]?.loginUnlocks ?? null;
}
