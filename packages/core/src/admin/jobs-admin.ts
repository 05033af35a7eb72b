import type { Principal } from '@berth/auth';
import { requireSystemAdmin } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { jobsViewSchema, type JobsView } from './admin-views.js';

/** How many recent failures the jobs view lists. */
const RECENT_FAILURES = 20;

/** The background job queue as an administrator sees it: jobs by state and the latest failures. */
export class JobsAdmin {
  constructor(private readonly deps: AdminDeps) {}

  async status(principal: Principal): Promise<JobsView> {
    requireSystemAdmin(principal);
    const jobs = this.deps.jobs;
    if (jobs === undefined) return { enabled: false, counts: { waiting: 0, active: 0, delayed: 0, failed: 0 }, recentFailures: [] };
    const [counts, failures] = await Promise.all([jobs.counts(), jobs.recentFailures(RECENT_FAILURES)]);
    return jobsViewSchema.parse({
      enabled: true,
      counts,
      recentFailures: failures.map((failure) => ({ ...failure, failedAt: failure.failedAt.toISOString() })),
    });
  }
}
