import { hasProjectRole, isSystemAdmin, projectRoleOf, type Principal, type ProjectRole } from '@berth/auth';
import type { MetadataStore, ProjectRow } from '@berth/db';
import { AdminError } from './admin-errors.js';

/** A caller who presented valid credentials (anonymous callers get 401 on every admin route). */
export type Caller = Exclude<Principal, { kind: 'anonymous' }>;

export function requireCaller(principal: Principal): Caller {
  if (principal.kind === 'anonymous') throw new AdminError('UNAUTHORIZED', 'the admin API needs an account (Basic credentials or a Bearer token)');
  return principal;
}

/** Users, audit and project creation: system administrators only. */
export function requireSystemAdmin(principal: Principal): Caller {
  const caller = requireCaller(principal);
  if (!isSystemAdmin(caller)) throw new AdminError('DENIED', 'only a system administrator may do this');
  return caller;
}

/**
 * Who may see a project at all: a system admin, anyone when it is public, its members and its
 * robots. Everyone else is told it does not exist.
 */
export function maySeeProject(principal: Principal, project: Pick<ProjectRow, 'name' | 'public'>): boolean {
  if (principal.kind === 'anonymous') return false;
  if (project.public || projectRoleOf(principal, project.name) !== null) return true;
  return principal.kind === 'robot' && principal.project === project.name;
}

/**
 * Load a project for a caller: 404 when it is absent or the caller may not see it (never revealing
 * that a private project exists), 403 when the caller sees it but lacks `least`.
 */
export async function projectFor(metadata: MetadataStore, principal: Principal, name: string, least?: ProjectRole): Promise<ProjectRow> {
  const caller = requireCaller(principal);
  const project = await metadata.getProject(name);
  if (project === null || !maySeeProject(caller, project)) throw new AdminError('NOT_FOUND', `project ${name} not found`, { project: name });
  if (least !== undefined && !hasProjectRole(caller, project.name, least)) {
    throw new AdminError('DENIED', `this needs the ${least} role in project ${name}`, { project: name, role: least });
  }
  return project;
}
