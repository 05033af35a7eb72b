import type { BerthConfig } from '@berth/config';
import { BullJobQueue, InProcessJobQueue, type JobQueue } from '@berth/jobs';
import type { Logger } from 'pino';

/** BullMQ on the configured Redis (shared by every registry and worker), else the in-process runner. */
export function createJobQueue(config: BerthConfig, logger: Logger): JobQueue {
  if (config.redis.url === undefined) return new InProcessJobQueue();
  return new BullJobQueue({ url: config.redis.url, prefix: `${config.redis.keyPrefix}bull`, logger });
}

/** Whether a registry process runs the job processors itself (always without Redis: nobody else would). */
export function registryRunsJobs(config: BerthConfig): boolean {
  return config.jobs.worker === 'on' || (config.jobs.worker === 'auto' && config.redis.url === undefined);
}
