import type { AdminDeps } from './admin-deps.js';
import { AuditTrail } from './audit-trail.js';
import { CacheAdmin } from './cache-admin.js';
import { JobsAdmin } from './jobs-admin.js';
import { MemberAdmin } from './member-admin.js';
import { ProjectAdmin } from './project-admin.js';
import { RepositoryAdmin } from './repository-admin.js';
import { RobotAdmin } from './robot-admin.js';
import { UserAdmin } from './user-admin.js';

/**
 * The services behind /api/v1. Every method takes the caller's Principal first and decides with
 * @berth/auth's policy; inputs arrive unvalidated (`unknown`) and are checked with the schemas of
 * admin-schemas.ts; every change is recorded in the audit trail.
 */
export interface AdminServices {
  projects: ProjectAdmin;
  members: MemberAdmin;
  repositories: RepositoryAdmin;
  robots: RobotAdmin;
  users: UserAdmin;
  cache: CacheAdmin;
  jobs: JobsAdmin;
  audit: AuditTrail;
}

export function createAdminServices(deps: AdminDeps): AdminServices {
  const audit = new AuditTrail(deps.metadata.accounts, deps.afterChange);
  return {
    projects: new ProjectAdmin(deps, audit),
    members: new MemberAdmin(deps, audit),
    repositories: new RepositoryAdmin(deps, audit),
    robots: new RobotAdmin(deps, audit),
    users: new UserAdmin(deps, audit),
    cache: new CacheAdmin(deps, audit),
    jobs: new JobsAdmin(deps),
    audit,
  };
}
