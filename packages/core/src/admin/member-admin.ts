import type { Principal } from '@berth/auth';
import type { ProjectRow, UserRow } from '@berth/db';
import { projectFor, requireCaller } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { AdminError, parseInput } from './admin-errors.js';
import { memberSetSchema } from './admin-schemas.js';
import { memberView, type MemberView } from './admin-views.js';
import type { AuditTrail } from './audit-trail.js';

/** Project members: listed by maintainers, set and removed by project admins. */
export class MemberAdmin {
  constructor(
    private readonly deps: AdminDeps,
    private readonly audit: AuditTrail,
  ) {}

  async list(principal: Principal, projectName: string): Promise<{ members: MemberView[] }> {
    const project = await projectFor(this.deps.metadata, principal, projectName, 'maintainer');
    return { members: (await this.deps.metadata.accounts.listProjectMembers(project.id)).map(memberView) };
  }

  /** Add the user to the project or change their role. */
  async set(principal: Principal, projectName: string, userName: string, body: unknown): Promise<MemberView> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const { role } = parseInput(memberSetSchema, body);
    const user = await this.user(userName);
    const before = await this.current(project, user);
    const after = memberView(await this.deps.metadata.accounts.setMember(project.id, user.id, role));
    await this.audit.record(caller, 'member.set', memberTarget(project, user), before, after);
    return after;
  }

  async remove(principal: Principal, projectName: string, userName: string): Promise<void> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'admin');
    const user = await this.user(userName);
    const before = await this.current(project, user);
    if (before === null || !(await this.deps.metadata.accounts.removeMember(project.id, user.id))) {
      throw new AdminError('NOT_FOUND', `${user.name} is not a member of project ${project.name}`, { project: project.name, user: user.name });
    }
    await this.audit.record(caller, 'member.remove', memberTarget(project, user), before, null);
  }

  private async user(name: string): Promise<UserRow> {
    const user = await this.deps.metadata.accounts.getUser(name);
    if (user === null) throw new AdminError('NOT_FOUND', `user ${name} does not exist`, { user: name });
    return user;
  }

  private async current(project: ProjectRow, user: UserRow): Promise<MemberView | null> {
    const members = await this.deps.metadata.accounts.listProjectMembers(project.id);
    const row = members.find((member) => member.userId === user.id);
    return row === undefined ? null : memberView(row);
  }
}

function memberTarget(project: ProjectRow, user: UserRow): string {
  return `member:${project.name}/${user.name}`;
}
