import { describe, it, expect } from '@jest/globals';
import {
  PROJECT_RIGHTS,
  accountName,
  claimAllows,
  grantAccess,
  hasProjectRight,
  hasProjectRole,
  isSystemAdmin,
  projectRoleOf,
  repositoryActions,
  roleRank,
} from './policy.js';
import type { ProjectRight } from './policy.js';
import type { AccessClaim, Principal, ProjectRole, ProjectVisibility, RepositoryAction } from './types.js';

const anonymous: Principal = { kind: 'anonymous' };
const root: Principal = { kind: 'user', id: 1, name: 'root', admin: true, roles: new Map(), credentialStamp: 'stamp-root' };

function user(roles: Record<string, ProjectRole> = {}): Principal {
  return { kind: 'user', id: 2, name: 'alice', admin: false, roles: new Map(Object.entries(roles)), credentialStamp: 'stamp-alice' };
}

function robot(project: string, permissions: RepositoryAction[]): Principal {
  return { kind: 'robot', id: 3, name: `robot$${project}+ci`, project, permissions, credentialStamp: 'stamp-robot' };
}

const privateProject: ProjectVisibility = { name: 'team', public: false };
const publicProject: ProjectVisibility = { name: 'library', public: true };

describe('repositoryActions', () => {
  it.each<[ProjectRole, RepositoryAction[]]>([
    ['guest', ['pull']],
    ['developer', ['pull', 'push']],
    ['maintainer', ['pull', 'push', 'delete']],
    ['admin', ['pull', 'push', 'delete']],
  ])('gives a %s %j in a private project', (role, actions) => {
    expect(repositoryActions(user({ team: role }), privateProject)).toEqual(actions);
  });

  it('gives a user nothing in a private project they are not a member of', () => {
    expect(repositoryActions(user({ other: 'admin' }), privateProject)).toEqual([]);
  });

  it('adds pull in a public project for everyone', () => {
    expect(repositoryActions(anonymous, publicProject)).toEqual(['pull']);
    expect(repositoryActions(user(), publicProject)).toEqual(['pull']);
    expect(repositoryActions(user({ library: 'developer' }), publicProject)).toEqual(['pull', 'push']);
    expect(repositoryActions(robot('elsewhere', ['push']), publicProject)).toEqual(['pull']);
  });

  it('gives anonymous nothing in a private project', () => {
    expect(repositoryActions(anonymous, privateProject)).toEqual([]);
  });

  it('gives a robot its permissions in its own project only, in canonical order', () => {
    expect(repositoryActions(robot('team', ['delete', 'push']), privateProject)).toEqual(['push', 'delete']);
    expect(repositoryActions(robot('other', ['pull', 'push', 'delete']), privateProject)).toEqual([]);
  });

  it('gives a system admin every action, even where the project does not exist', () => {
    expect(repositoryActions(root, privateProject)).toEqual(['pull', 'push', 'delete']);
    expect(repositoryActions(root, null)).toEqual(['pull', 'push', 'delete']);
  });

  it('gives everyone else nothing where the project does not exist', () => {
    expect(repositoryActions(anonymous, null)).toEqual([]);
    expect(repositoryActions(user({ team: 'admin' }), null)).toEqual([]);
    expect(repositoryActions(robot('team', ['pull', 'push']), null)).toEqual([]);
  });
});

describe('grantAccess', () => {
  it('grants the requested actions the principal holds', () => {
    const claim = grantAccess(
      user({ team: 'developer' }),
      { type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] },
      privateProject,
    );
    expect(claim).toEqual({ type: 'repository', name: 'team/app', actions: ['pull', 'push'] });
  });

  it('grants nothing beyond what was asked', () => {
    const claim = grantAccess(root, { type: 'repository', name: 'team/app', actions: ['pull'] }, privateProject);
    expect(claim.actions).toEqual(['pull']);
  });

  it('returns an empty claim when nothing is allowed', () => {
    const claim = grantAccess(anonymous, { type: 'repository', name: 'team/app', actions: ['pull'] }, privateProject);
    expect(claim).toEqual({ type: 'repository', name: 'team/app', actions: [] });
  });

  it('grants the catalog to a system admin only', () => {
    const catalog = { type: 'registry', name: 'catalog', actions: ['*'] } as const;
    expect(grantAccess(root, { ...catalog, actions: ['*'] }, null).actions).toEqual(['*']);
    expect(grantAccess(user({ team: 'admin' }), { ...catalog, actions: ['*'] }, null).actions).toEqual([]);
    expect(grantAccess(anonymous, { ...catalog, actions: ['*'] }, null)).toEqual({
      type: 'registry',
      name: 'catalog',
      actions: [],
    });
  });
});

describe('roles and rights', () => {
  it('ranks roles guest < developer < maintainer < admin', () => {
    expect(roleRank('guest')).toBeLessThan(roleRank('developer'));
    expect(roleRank('developer')).toBeLessThan(roleRank('maintainer'));
    expect(roleRank('maintainer')).toBeLessThan(roleRank('admin'));
  });

  it('reads the role of a member, admin for a system admin, none for others', () => {
    expect(projectRoleOf(user({ team: 'developer' }), 'team')).toBe('developer');
    expect(projectRoleOf(user({ team: 'developer' }), 'other')).toBeNull();
    expect(projectRoleOf(root, 'anything')).toBe('admin');
    expect(projectRoleOf(robot('team', ['pull']), 'team')).toBeNull();
    expect(projectRoleOf(anonymous, 'team')).toBeNull();
  });

  it('compares roles with hasProjectRole', () => {
    const maintainer = user({ team: 'maintainer' });
    expect(hasProjectRole(maintainer, 'team', 'guest')).toBe(true);
    expect(hasProjectRole(maintainer, 'team', 'maintainer')).toBe(true);
    expect(hasProjectRole(maintainer, 'team', 'admin')).toBe(false);
    expect(hasProjectRole(maintainer, 'other', 'guest')).toBe(false);
    expect(hasProjectRole(root, 'other', 'admin')).toBe(true);
    expect(hasProjectRole(robot('team', ['pull', 'push', 'delete']), 'team', 'guest')).toBe(false);
  });

  const expectedRights: Record<ProjectRole, ProjectRight[]> = {
    guest: [],
    developer: [],
    maintainer: ['settings', 'cache-purge'],
    admin: ['settings', 'cache-purge', 'members', 'robots', 'delete-project'],
  };
  it.each(Object.entries(expectedRights))('gives a %s the project rights %j', (role, rights) => {
    const member = user({ team: role as ProjectRole });
    expect(PROJECT_RIGHTS.filter((right) => hasProjectRight(member, 'team', right))).toEqual(rights);
  });

  it('gives a system admin every project right and robots none', () => {
    expect(PROJECT_RIGHTS.every((right) => hasProjectRight(root, 'team', right))).toBe(true);
    expect(PROJECT_RIGHTS.some((right) => hasProjectRight(robot('team', ['pull', 'push', 'delete']), 'team', right))).toBe(false);
  });

  it('identifies system admins and account names', () => {
    expect(isSystemAdmin(root)).toBe(true);
    expect(isSystemAdmin(user({ team: 'admin' }))).toBe(false);
    expect(isSystemAdmin(anonymous)).toBe(false);
    expect(accountName(anonymous)).toBe('');
    expect(accountName(user())).toBe('alice');
    expect(accountName(robot('team', []))).toBe('robot$team+ci');
  });
});

describe('claimAllows', () => {
  const access: AccessClaim[] = [
    { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
    { type: 'repository', name: 'team/empty', actions: [] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
  ];

  it('allows granted actions on the named resource only', () => {
    expect(claimAllows(access, 'repository', 'team/app', 'push')).toBe(true);
    expect(claimAllows(access, 'repository', 'team/app', 'delete')).toBe(false);
    expect(claimAllows(access, 'repository', 'team/other', 'pull')).toBe(false);
    expect(claimAllows(access, 'repository', 'team/empty', 'pull')).toBe(false);
  });

  it('lets * cover registry actions but not repository ones', () => {
    expect(claimAllows(access, 'registry', 'catalog', '*')).toBe(true);
    expect(claimAllows(access, 'registry', 'catalog', 'list')).toBe(true);
    const star: AccessClaim[] = [{ type: 'repository', name: 'team/app', actions: ['*'] }];
    expect(claimAllows(star, 'repository', 'team/app', 'pull')).toBe(false);
  });

  it('does not confuse a repository with a registry resource of the same name', () => {
    expect(claimAllows(access, 'repository', 'catalog', '*')).toBe(false);
  });

  it('allows nothing with an empty claim', () => {
    expect(claimAllows([], 'repository', 'team/app', 'pull')).toBe(false);
  });
});
