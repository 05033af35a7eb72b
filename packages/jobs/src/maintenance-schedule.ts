import { JOBS } from './job-definitions.js';
import type { JobQueue } from './job-queue.js';

export interface MaintenanceIntervals {
  evictionMs: number;
  gcMs: number;
  uploadCleanupMs: number;
}

/** The periodic jobs: one schedule each across every process (the last interval configured wins). */
export async function scheduleMaintenance(queue: JobQueue, intervals: MaintenanceIntervals): Promise<void> {
  await queue.schedule(JOBS.evict.name, intervals.evictionMs, {});
  await queue.schedule(JOBS.collectGarbage.name, intervals.gcMs, {});
  await queue.schedule(JOBS.cleanUploads.name, intervals.uploadCleanupMs, {});
}
