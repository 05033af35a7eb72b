import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { AlreadyExistsError, type NewRobot, type RobotPatch, type RobotRow } from '../account-store.js';
import type { Database } from '../database.js';
import { projects, robots } from '../schema.js';

const robotColumns = {
  id: robots.id,
  projectId: robots.projectId,
  projectName: projects.name,
  name: robots.name,
  description: robots.description,
  secretHash: robots.secretHash,
  permissions: robots.permissions,
  expiresAt: robots.expiresAt,
  disabled: robots.disabled,
  credentialStamp: robots.credentialStamp,
  loginUnlocks: robots.loginUnlocks,
  createdAt: robots.createdAt,
};

function selectRobots(db: Database, where: SQL | undefined) {
  return db.select(robotColumns).from(robots).innerJoin(projects, eq(projects.id, robots.projectId)).where(where);
}

async function robotById(db: Database, id: number): Promise<RobotRow> {
  const row = (await selectRobots(db, eq(robots.id, id)))[0];
  if (row === undefined) throw new Error(`robot ${id} vanished while being written`);
  return row;
}

/** Insert-or-nothing, so a taken name is an empty result rather than an aborted transaction. */
export async function createRobot(db: Database, robot: NewRobot): Promise<RobotRow> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(robots)
      .values(robot)
      .onConflictDoNothing({ target: [robots.projectId, robots.name] })
      .returning({ id: robots.id });
    const id = inserted[0]?.id;
    if (id !== undefined) return robotById(tx, id);
    const project = (await tx.select({ name: projects.name }).from(projects).where(eq(projects.id, robot.projectId)))[0];
    throw new AlreadyExistsError(`robot ${robot.name} already exists in project ${project?.name ?? robot.projectId}`);
  });
}

export async function getRobot(db: Database, projectName: string, name: string): Promise<RobotRow | null> {
  const rows = await selectRobots(db, and(eq(projects.name, projectName), eq(robots.name, name)));
  return rows[0] ?? null;
}

export async function listRobots(db: Database, projectId: number): Promise<RobotRow[]> {
  return selectRobots(db, eq(robots.projectId, projectId)).orderBy(asc(robots.name));
}

export async function updateRobot(
  db: Database,
  projectId: number,
  name: string,
  patch: RobotPatch,
): Promise<RobotRow | null> {
  const values = {
    description: patch.description,
    permissions: patch.permissions,
    expiresAt: patch.expiresAt,
    disabled: patch.disabled,
    secretHash: patch.secretHash,
  };
  return db.transaction(async (tx) => {
    const where = and(eq(robots.projectId, projectId), eq(robots.name, name));
    // An empty patch changes nothing (drizzle refuses an UPDATE without columns): just read.
    if (Object.values(values).every((value) => value === undefined)) return (await selectRobots(tx, where))[0] ?? null;
    const revoke = patch.secretHash !== undefined || patch.disabled === true;
    const updated = await tx
      .update(robots)
      .set({ ...values, ...(revoke ? { credentialStamp: sql`gen_random_uuid()::text` } : {}) }).where(where).returning({ id: robots.id });
    const id = updated[0]?.id;
    return id === undefined ? null : robotById(tx, id);
  });
}

export async function deleteRobot(db: Database, projectId: number, name: string): Promise<boolean> {
  const rows = await db
    .delete(robots)
    .where(and(eq(robots.projectId, projectId), eq(robots.name, name)))
    .returning({ id: robots.id });
  return rows.length > 0;
}

export async function countRobotUnlock(db: Database, projectId: number, name: string): Promise<number | null> {
  const rows = await db
    .update(robots)
    .set({ loginUnlocks: sql`${robots.loginUnlocks} + 1` })
    .where(and(eq(robots.projectId, projectId), eq(robots.name, name)))
    .returning({ loginUnlocks: robots.loginUnlocks });
  return rows[0]?.loginUnlocks ?? null;
}
