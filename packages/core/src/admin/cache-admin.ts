import { isRepositoryName, projectOf } from '@berth/oci';
import type { Principal } from '@berth/auth';
import { projectFor, requireCaller } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { invalidInput, parseInput } from './admin-errors.js';
import { cachePurgeSchema } from './admin-schemas.js';
import { cacheStatsView, type CacheStats, type PurgeResult } from './admin-views.js';
import type { AuditTrail } from './audit-trail.js';

/** A project's cached content: statistics (whoever sees the project) and purge (maintainers). */
export class CacheAdmin {
  constructor(
    private readonly deps: AdminDeps,
    private readonly audit: AuditTrail,
  ) {}

  async stats(principal: Principal, projectName: string): Promise<CacheStats> {
    const project = await projectFor(this.deps.metadata, principal, projectName);
    const stats = await this.deps.metadata.projectStats(project.id);
    const counts = (await this.deps.cacheCounts?.(project.name)) ?? { hits: 0, misses: 0 };
    return cacheStatsView(project, stats, counts);
  }

  /**
   * Forget what the project cached from its upstream (or one repository's): the next pull goes to
   * the upstream again. Locally pushed content stays.
   */
  async purge(principal: Principal, projectName: string, body: unknown): Promise<PurgeResult> {
    const caller = requireCaller(principal);
    const project = await projectFor(this.deps.metadata, caller, projectName, 'maintainer');
    const { repository: requested } = parseInput(cachePurgeSchema, body ?? {});
    if (requested !== undefined && (!isRepositoryName(requested) || projectOf(requested) !== project.name)) {
      throw invalidInput([{ field: 'repository', message: `must be the full name of a repository in project ${project.name}, e.g. ${project.name}/library/nginx` }]);
    }
    // `hub/nginx` and `hub/library/nginx` are one repository: purged under its canonical name.
    const repository = requested === undefined ? undefined : ((await this.deps.proxy?.canonicalName(requested)) ?? requested);
    const counts = await this.deps.metadata.purgeCachedContent(project.id, repository);
    await this.deps.proxy?.forgetProject(project.id, repository);
    const result: PurgeResult = { project: project.name, repository: repository ?? null, ...counts };
    await this.audit.record(caller, 'cache.purge', repository === undefined ? `project:${project.name}` : `repository:${repository}`, null, result);
    return result;
  }
}
