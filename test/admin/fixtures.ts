import { ADMIN, type Account, type AdminApi } from './api.js';

// Accounts in every role of one private hosted project, created through the API itself.

export type Role = 'anonymous' | 'system-admin' | 'project-admin' | 'maintainer' | 'developer' | 'guest' | 'non-member' | 'robot';
export const ROLES: readonly Role[] = ['anonymous', 'system-admin', 'project-admin', 'maintainer', 'developer', 'guest', 'non-member', 'robot'];

export interface RoleFixture {
  project: string;
  /** Credentials per role; undefined for anonymous. */
  accounts: Record<Role, Account | undefined>;
  /** Members of `project` by role (not the system admin, who needs no membership). */
  members: Array<{ user: string; role: 'admin' | 'maintainer' | 'developer' | 'guest' }>;
}

const MEMBER_ROLES = { 'project-admin': 'admin', maintainer: 'maintainer', developer: 'developer', guest: 'guest' } as const;

export async function createUser(api: AdminApi, name: string, admin = false): Promise<Account> {
  const account = { name, password: `${name}-password-1` };
  await api.expect(201, 'POST', '/users', { as: ADMIN, body: { name, password: account.password, admin } });
  return account;
}

/** A private hosted project with one user per role, a non-member and a robot (pull, push). */
export async function createRoleFixture(api: AdminApi, project: string): Promise<RoleFixture> {
  await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: project } });
  const accounts: Record<Role, Account | undefined> = {
    anonymous: undefined,
    'system-admin': ADMIN,
    'project-admin': undefined,
    maintainer: undefined,
    developer: undefined,
    guest: undefined,
    'non-member': await createUser(api, `${project}-outsider`),
    robot: undefined,
  };
  const members: RoleFixture['members'] = [];
  for (const [role, memberRole] of Object.entries(MEMBER_ROLES) as Array<[keyof typeof MEMBER_ROLES, RoleFixture['members'][number]['role']]>) {
    const account = await createUser(api, `${project}-${memberRole}`);
    await api.expect(200, 'PUT', `/projects/${project}/members/${account.name}`, { as: ADMIN, body: { role: memberRole } });
    accounts[role] = account;
    members.push({ user: account.name, role: memberRole });
  }
  const robot = await api.expect<{ name: string; secret: string }>(201, 'POST', `/projects/${project}/robots`, {
    as: ADMIN,
    body: { name: 'ci', permissions: ['pull', 'push'] },
  });
  accounts.robot = { name: robot.name, password: robot.secret };
  return { project, accounts, members };
}

/** Give the fixture's member for `role` (if that role is a membership) the same role in `project`. */
export async function addFixtureMembers(api: AdminApi, fixture: RoleFixture, project: string, role: Role): Promise<void> {
  const memberRole = (MEMBER_ROLES as Partial<Record<Role, string>>)[role];
  const member = fixture.members.find((m) => m.role === memberRole);
  if (member === undefined) return;
  await api.expect(200, 'PUT', `/projects/${project}/members/${member.user}`, { as: ADMIN, body: { role: member.role } });
}
