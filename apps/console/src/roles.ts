import type { Me, Role } from './types';

const RANK: Record<Role, number> = { guest: 1, developer: 2, maintainer: 3, admin: 4 };

/** The caller's role in a project (a system administrator is admin everywhere); null for none. */
export function roleIn(me: Me, project: string): Role | null {
  if (me.admin) return 'admin';
  return me.memberships.find((m) => m.project === project)?.role ?? null;
}

/** Whether to show a control; the API decides anyway. */
export function can(me: Me, project: string, least: Role): boolean {
  const role = roleIn(me, project);
  return role !== null && RANK[role] >= RANK[least];
}
