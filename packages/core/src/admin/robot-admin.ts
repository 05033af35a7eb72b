import { generateSecret, hashSecret, robotAccountName, type Principal } from '@berth/auth';
import { AlreadyExistsError, type ProjectRow, type RobotPatch, type RobotRow } from '@berth/db';
import { projectFor, requireCaller } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { AdminError, parseInput } from './admin-errors.js';
import { robotCreateSchema, robotPatchSchema } from './admin-schemas.js';
import { robotView, type RobotView, type RobotWithSecret, type UnlockResult } from './admin-views.js';
import type { AuditTrail } from './audit-trail.js';

/**
 * Robot accounts of a project: listed by maintainers, managed by project admins. The secret is
 * generated here, answered once (create, regenerate) and stored only as a slow hash.
 */
export class RobotAdmin {
  constructor(
    private readonly deps: AdminDeps,
    private readonly audit: AuditTrail,
  ) {}

  async list(principal: Principal, projectName: string): Promise<{ robots: RobotView[] }> {
    const project = await projectFor(this.deps.metadata, principal, projectName, 'maintainer');
    return { robots: (await this.deps.metadata.accounts.listRobots(project.id)).map(robotView) };
  }

  async get(principal: Principal, projectName: string, name: string): Promise<RobotView> {
    const project = await projectFor(this.deps.metadata, principal, projectName, 'maintainer');
    return robotView(await this.robot(project, name));
  }

  async create(principal: Principal, projectName: string, body: unknown): Promise<RobotWithSecret> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const input = parseInput(robotCreateSchema, body);
    const secret = generateSecret();
    let row: RobotRow;
    try {
      row = await this.deps.metadata.accounts.createRobot({
        projectId: project.id,
        name: input.name,
        description: input.description,
        secretHash: await hashSecret(secret),
        permissions: input.permissions,
        expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt),
      });
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      throw new AdminError('CONFLICT', `project ${project.name} already has a robot named ${input.name}`, { robot: robotAccountName(project.name, input.name) });
    }
    const view = robotView(row);
    await this.audit.record(caller, 'robot.create', robotTarget(row), null, view);
    return { ...view, secret };
  }

  /** Disable or enable, change permissions, expiry or description. */
  async update(principal: Principal, projectName: string, name: string, body: unknown): Promise<RobotView> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const input = parseInput(robotPatchSchema, body);
    const before = await this.robot(project, name);
    const patch: RobotPatch = {};
    if (input.description !== undefined) patch.description = input.description;
    if (input.permissions !== undefined) patch.permissions = input.permissions;
    if (input.expiresAt !== undefined) patch.expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
    if (input.disabled !== undefined) patch.disabled = input.disabled;
    const after = robotView(await this.updated(project, name, patch));
    await this.audit.record(caller, 'robot.update', robotTarget(before), robotView(before), after);
    return after;
  }

  /** A new secret; the old one stops working at once. */
  async regenerateSecret(principal: Principal, projectName: string, name: string): Promise<RobotWithSecret> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const before = await this.robot(project, name);
    const secret = generateSecret();
    const view = robotView(await this.updated(project, name, { secretHash: await hashSecret(secret) }));
    await this.audit.record(caller, 'robot.secret', robotTarget(before), robotView(before), { ...view, secret: 'regenerated' });
    return { ...view, secret };
  }

  /** Ends the robot's failed-login locks from every client address (project admins). */
  async unlock(principal: Principal, projectName: string, name: string): Promise<UnlockResult> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const row = await this.robot(project, name);
    if ((await this.deps.metadata.accounts.countRobotUnlock(project.id, name)) === null) throw notFound(project, name);
    const account = robotAccountName(row.projectName, row.name);
    const result = { account, ...(this.deps.logins?.unlockLogins(account) ?? { unlockedAddresses: 0 }) };
    await this.audit.record(caller, 'robot.unlock', robotTarget(row), null, result);
    return result;
  }

  async remove(principal: Principal, projectName: string, name: string): Promise<void> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const before = await this.robot(project, name);
    if (!(await this.deps.metadata.accounts.deleteRobot(project.id, name))) throw notFound(project, name);
    await this.audit.record(caller, 'robot.delete', robotTarget(before), robotView(before), null);
  }

  private async robot(project: ProjectRow, name: string): Promise<RobotRow> {
    const row = await this.deps.metadata.accounts.getRobot(project.name, name);
    if (row === null) throw notFound(project, name);
    return row;
  }

  private async updated(project: ProjectRow, name: string, patch: RobotPatch): Promise<RobotRow> {
    const row = await this.deps.metadata.accounts.updateRobot(project.id, name, patch);
    if (row === null) throw notFound(project, name);
    return row;
  }
}

function notFound(project: ProjectRow, name: string): AdminError {
  return new AdminError('NOT_FOUND', `project ${project.name} has no robot named ${name}`, { project: project.name, robot: name });
}

function robotTarget(row: RobotRow): string {
  return `robot:${robotAccountName(row.projectName, row.name)}`;
}
