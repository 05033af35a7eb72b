import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { MemberRole, MembershipRow } from '../account-store.js';
import type { Database } from '../database.js';
import { projectMembers, projects, users } from '../schema.js';

const membershipColumns = {
  projectId: projectMembers.projectId,
  projectName: projects.name,
  userId: projectMembers.userId,
  userName: users.name,
  role: projectMembers.role,
};

function selectMemberships(db: Database, where: SQL | undefined) {
  return db
    .select(membershipColumns)
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(where);
}

/** In project-name order. */
export async function listUserMemberships(db: Database, userId: number): Promise<MembershipRow[]> {
  return selectMemberships(db, eq(projectMembers.userId, userId)).orderBy(asc(projects.name));
}

export async function listProjectMembers(db: Database, projectId: number): Promise<MembershipRow[]> {
  return selectMemberships(db, eq(projectMembers.projectId, projectId)).orderBy(asc(users.name));
}

/** Upsert, then read back with the names in the same transaction (the row cannot vanish between). */
export async function setMember(db: Database, projectId: number, userId: number, role: MemberRole): Promise<MembershipRow> {
  return db.transaction(async (tx) => {
    await tx
      .insert(projectMembers)
      .values({ projectId, userId, role })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
    const rows = await selectMemberships(
      tx,
      and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)),
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`membership of user ${userId} in project ${projectId} vanished`);
    return row;
  });
}

export async function removeMember(db: Database, projectId: number, userId: number): Promise<boolean> {
  const rows = await db
    .delete(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .returning({ userId: projectMembers.userId });
  return rows.length > 0;
}
