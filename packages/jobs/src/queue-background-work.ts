import type { BackgroundWork } from '@berth/core';
import { JOBS } from './job-definitions.js';
import type { JobOptions, JobQueue } from './job-queue.js';

export interface EnqueueLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * The request path's background work as jobs. Enqueueing never fails a request: a job the queue
 * could not take (Redis unreachable) is logged and dropped, and the next stale answer asks again.
 */
export class QueueBackgroundWork implements BackgroundWork {
  constructor(
    private readonly queue: JobQueue,
    private readonly logger?: EnqueueLogger,
  ) {}

  refreshReferrers(request: { repository: string; subject: string }): void {
    this.enqueue(JOBS.refreshReferrers.name, request, JOBS.refreshReferrers.options(request));
  }

  refreshTag(request: { repository: string; tag: string }): void {
    this.enqueue(JOBS.refreshTag.name, request, JOBS.refreshTag.options(request));
  }

  prefetch(request: { repository: string; digest: string }): void {
    this.enqueue(JOBS.prefetch.name, request, JOBS.prefetch.options(request));
  }

  private enqueue(name: string, payload: Record<string, string>, options: JobOptions): void {
    this.queue.add(name, payload, options).catch((error: unknown) => {
      this.logger?.warn({ job: name, ...payload, err: error }, 'could not enqueue a background job');
    });
  }
}
