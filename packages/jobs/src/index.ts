export type { FailedJob, JobContext, JobCounts, JobEvents, JobHandler, JobOptions, JobQueue, ProcessOptions } from './job-queue.js';
export { InProcessJobQueue, type InProcessJobQueueOptions } from './in-process-queue.js';
export { BullJobQueue, type BullJobQueueLogger, type BullJobQueueOptions } from './bull-job-queue.js';
export { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_CLOSE_GRACE_MS } from './job-options.js';
export { JOBS, type JobName } from './job-definitions.js';
export { QueueBackgroundWork, type EnqueueLogger } from './queue-background-work.js';
export { jobHandlers, type JobLogger, type MaintenanceObserver } from './job-handlers.js';
export { scheduleMaintenance, type MaintenanceIntervals } from './maintenance-schedule.js';
