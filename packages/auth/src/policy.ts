/**
 * Pure access decisions: what a principal may do with a project's repositories and settings.
 * Callers resolve the project (and whether it exists) before asking; nothing here does I/O.
 */
import { PROJECT_ROLES, REPOSITORY_ACTIONS } from './types.js';
import type { AccessClaim, Principal, ProjectRole, ProjectVisibility, RepositoryAction, Scope } from './types.js';
import { orderActions } from './scopes.js';

/** Rights on a project beyond its repositories' pull, push and delete. */
export type ProjectRight = 'settings' | 'cache-purge' | 'members' | 'robots' | 'delete-project';
export const PROJECT_RIGHTS: readonly ProjectRight[] = ['settings', 'cache-purge', 'members', 'robots', 'delete-project'];

const ROLE_ACTIONS: Readonly<Record<ProjectRole, readonly RepositoryAction[]>> = {
  guest: ['pull'],
  developer: ['pull', 'push'],
  maintainer: ['pull', 'push', 'delete'],
  admin: ['pull', 'push', 'delete'],
};

/** The least role holding each project right. */
const RIGHT_LEAST_ROLE: Readonly<Record<ProjectRight, ProjectRole>> = {
  settings: 'maintainer',
  'cache-purge': 'maintainer',
  members: 'admin',
  robots: 'admin',
  'delete-project': 'admin',
};

/** guest 0 < developer 1 < maintainer 2 < admin 3. */
export function roleRank(role: ProjectRole): number {
  return PROJECT_ROLES.indexOf(role);
}

export function isSystemAdmin(principal: Principal): boolean {
  return principal.kind === 'user' && principal.admin;
}

/** The account name (`alice`, `robot$library+ci`); empty for anonymous. */
export function accountName(principal: Principal): string {
  return principal.kind === 'anonymous' ? '' : principal.name;
}

/** The principal's role in a project: a system admin is admin everywhere; robots and anonymous have none. */
export function projectRoleOf(principal: Principal, projectName: string): ProjectRole | null {
  if (principal.kind !== 'user') return null;
  if (principal.admin) return 'admin';
  return principal.roles.get(projectName) ?? null;
}

/** True when the principal's role in the project is `least` or a higher one. */
export function hasProjectRole(principal: Principal, projectName: string, least: ProjectRole): boolean {
  const role = projectRoleOf(principal, projectName);
  return role !== null && roleRank(role) >= roleRank(least);
}

/** Settings, cache purge (maintainer and up); members, robots, deleting the project (project admin). */
export function hasProjectRight(principal: Principal, projectName: string, right: ProjectRight): boolean {
  return hasProjectRole(principal, projectName, RIGHT_LEAST_ROLE[right]);
}

/**
 * The repository actions the principal may perform in a project, ordered pull, push, delete.
 * `project` null means the project does not exist: only a system admin gets actions (a push by
 * one may create it).
 */
export function repositoryActions(principal: Principal, project: ProjectVisibility | null): RepositoryAction[] {
  if (isSystemAdmin(principal)) return [...REPOSITORY_ACTIONS];
  if (project === null) return [];
  const allowed: RepositoryAction[] = project.public ? ['pull'] : [];
  if (principal.kind === 'user') {
    const role = principal.roles.get(project.name);
    if (role !== undefined) allowed.push(...ROLE_ACTIONS[role]);
  } else if (principal.kind === 'robot' && principal.project === project.name) {
    allowed.push(...principal.permissions);
  }
  return orderActions(allowed);
}

/**
 * The access claim granted for one requested scope: the requested actions the principal holds.
 * For a repository scope, `project` is the project the repository belongs to (null: none exists).
 * The catalog lists every repository, so only a system admin gets it.
 */
export function grantAccess(principal: Principal, scope: Scope, project: ProjectVisibility | null): AccessClaim {
  if (scope.type === 'registry') {
    return { type: 'registry', name: scope.name, actions: isSystemAdmin(principal) ? ['*'] : [] };
  }
  const allowed = new Set(repositoryActions(principal, project));
  const granted = orderActions(scope.actions.filter((action) => allowed.has(action)));
  return { type: 'repository', name: scope.name, actions: granted };
}

/** Whether a token's access claim covers `action` on a resource; `*` covers every registry action. */
export function claimAllows(
  access: readonly AccessClaim[],
  type: AccessClaim['type'],
  name: string,
  action: string,
): boolean {
  return access.some(
    (claim) =>
      claim.type === type &&
      claim.name === name &&
      (claim.actions.includes(action) || (type === 'registry' && claim.actions.includes('*'))),
  );
}
