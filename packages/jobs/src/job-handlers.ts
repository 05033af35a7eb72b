import type { CollectionResult, LifecycleServices, ProjectEviction } from '@berth/core';
import { JOBS } from './job-definitions.js';
import type { JobHandler } from './job-queue.js';

export interface JobLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

/** Told what maintenance jobs did (metrics). */
export interface MaintenanceObserver {
  evicted(run: ProjectEviction): void;
  collected(result: CollectionResult): void;
  uploadsRemoved(count: number): void;
}

/** The processor of every job: the payload checked, then the lifecycle service that does the work. */
export function jobHandlers(lifecycle: LifecycleServices, logger?: JobLogger, observer?: MaintenanceObserver): Record<string, JobHandler> {
  return {
    [JOBS.refreshReferrers.name]: (payload) => lifecycle.refreshReferrers(JOBS.refreshReferrers.payload.parse(payload)),
    [JOBS.refreshTag.name]: (payload) => lifecycle.refreshTag(JOBS.refreshTag.payload.parse(payload)),
    [JOBS.prefetch.name]: async (payload) => {
      const request = JOBS.prefetch.payload.parse(payload);
      const result = await lifecycle.prefetch(request);
      logger?.info({ ...request, ...result }, 'prefetched');
    },
    [JOBS.evict.name]: async (payload) => {
      JOBS.evict.payload.parse(payload);
      for (const run of await lifecycle.evict()) {
        observer?.evicted(run);
        if (run.expired + run.overQuota + run.orphanLinks > 0 || run.stillOverQuota) logger?.info({ ...run }, 'evicted cached images');
      }
    },
    [JOBS.collectGarbage.name]: async (payload) => {
      JOBS.collectGarbage.payload.parse(payload);
      const result = await lifecycle.collectGarbage();
      observer?.collected(result);
      if (result.marked + result.deleted > 0) logger?.info({ ...result }, 'garbage collection');
    },
    [JOBS.cleanUploads.name]: async (payload) => {
      JOBS.cleanUploads.payload.parse(payload);
      const removed = await lifecycle.cleanUploads();
      observer?.uploadsRemoved(removed);
      if (removed > 0) logger?.info({ removed }, 'removed abandoned upload sessions');
    },
  };
}
