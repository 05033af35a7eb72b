import type { BullMqQueue } from './bullmq-queue.js';
import type { FailedJob, JobCounts, JobHandler, JobOptions, JobQueue, ProcessOptions } from './job-queue.js';

export interface BullJobQueueLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface BullJobQueueOptions {
  /** redis:// or rediss:// */
  url: string;
  queueName?: string;
  /** BullMQ's key prefix: every key of the queue starts with it. */
  prefix?: string;
  /** How long a worker's lock on a job lasts; renewed at half of it while the job runs. */
  lockDurationMs?: number;
  /** How often a worker looks for jobs whose worker died (their lock lapsed). */
  stalledIntervalMs?: number;
  /** Stalls a job survives (its worker died while running it) before it fails. */
  maxStalledCount?: number;
  logger?: BullJobQueueLogger;
}

const loadBullMq = () => import('./bullmq-queue.js');

/**
 * The job queue on one BullMQ queue in Redis: any number of processes add jobs, any number of
 * workers run them (the queue itself is `BullMqQueue`, in bullmq-queue.ts).
 *
 * BullMQ and ioredis cost ~20 MB of resident memory once imported, which an embedded Berth (no
 * Redis, in-process jobs) should not pay just for importing this package: they are loaded when
 * the first BullJobQueue is made (or by preload()), and every call waits for that.
 */
export class BullJobQueue implements JobQueue {
  /** Import BullMQ and ioredis now, ahead of the first queue; nothing connects. */
  static async preload(): Promise<void> {
    await loadBullMq();
  }

  private readonly opening: Promise<BullMqQueue>;

  constructor(options: BullJobQueueOptions) {
    this.opening = loadBullMq().then(({ BullMqQueue }) => new BullMqQueue(options));
    // A failure to load or connect surfaces in the calls that need the queue, not as an unhandled rejection.
    this.opening.catch(() => undefined);
  }

  async add(name: string, payload: unknown, options?: JobOptions): Promise<boolean> {
    return (await this.opening).add(name, payload, options);
  }

  async schedule(name: string, everyMs: number, payload: unknown): Promise<void> {
    return (await this.opening).schedule(name, everyMs, payload);
  }

  async process(handlers: Readonly<Record<string, JobHandler>>, options: ProcessOptions): Promise<void> {
    return (await this.opening).process(handlers, options);
  }

  async counts(): Promise<JobCounts> {
    return (await this.opening).counts();
  }

  async recentFailures(limit: number): Promise<FailedJob[]> {
    return (await this.opening).recentFailures(limit);
  }

  /** Closing a queue that never opened has nothing to release. */
  close(graceMs?: number): Promise<void> {
    return this.opening.then((queue) => queue.close(graceMs), () => undefined);
  }
}
