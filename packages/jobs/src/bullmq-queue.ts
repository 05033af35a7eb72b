import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { closeRedisClient } from '@berth/redis';
import { Redis } from 'ioredis';
import { ActiveJobs } from './active-jobs.js';
import {
  DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_CLOSE_GRACE_MS,
  asError, checkConcurrency, checkInterval, handlerFor, noHandlerMessage, notify, resolveJobOptions,
} from './job-options.js';
import type { BullJobQueueLogger, BullJobQueueOptions } from './bull-job-queue.js';
import type {
  FailedJob, JobContext, JobCounts, JobEvents, JobHandler, JobOptions, JobQueue, ProcessOptions,
} from './job-queue.js';

/** Finally failed jobs kept in Redis for recentFailures() (older ones are removed by BullMQ). */
const FAILED_JOBS_KEPT = 100;

type BullJob = Job<unknown, void, string>;

/**
 * The job queue on one BullMQ queue in Redis, behind BullJobQueue (which loads this module, and
 * with it bullmq and ioredis, only when a queue is made). A job whose worker dies mid-run is
 * retried by another worker once its lock lapses (lockDurationMs), found by that worker's stalled
 * check (stalledIntervalMs). A stall does not use up an attempt (the context's `attempt` counts
 * failures only); after maxStalledCount stalls the job fails.
 */
export class BullMqQueue implements JobQueue {
  private readonly settings: Required<Omit<BullJobQueueOptions, 'logger'>>;
  private readonly logger: BullJobQueueLogger | undefined;
  private readonly connections: Redis[] = [];
  private readonly queue: Queue<unknown, void, string>;
  private readonly active = new ActiveJobs();
  private worker: Worker<unknown, void, string> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: BullJobQueueOptions) {
    this.settings = {
      url: options.url,
      queueName: options.queueName ?? 'berth-jobs',
      prefix: options.prefix ?? 'berth:bull',
      lockDurationMs: options.lockDurationMs ?? 30_000,
      stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 2,
    };
    this.logger = options.logger;
    // Adding jobs happens on request paths: with Redis away a command fails after two reconnection
    // attempts instead of waiting for Redis to come back.
    this.queue = new Queue(this.settings.queueName, { connection: this.connect(2), prefix: this.settings.prefix });
    this.queue.on('error', (error) => this.warn(error, 'job queue: redis error'));
  }

  async add(name: string, payload: unknown, options?: JobOptions): Promise<boolean> {
    const { dedupeKey, delayMs, attempts, backoffMs } = resolveJobOptions(options);
    // A fresh id per add, only to tell whether the job was added: when the dedupe key is held,
    // BullMQ answers with the id of the job holding it. (The key itself is not the id: a kept
    // failed job with that id would block the key for good.)
    const jobId = randomUUID();
    const job = await this.queue.add(name, payload, {
      ...jobOptions(attempts, backoffMs),
      jobId,
      delay: delayMs,
      ...(dedupeKey === undefined ? {} : { deduplication: { id: dedupeKey } }),
    });
    return job.id === jobId;
  }

  async schedule(name: string, everyMs: number, payload: unknown): Promise<void> {
    checkInterval(everyMs);
    // The scheduler's id is the name, so every process upserts the same one. startDate makes the
    // first run one interval from now (BullMQ would run it at once); it only counts when the
    // scheduler is new or its interval changed, so a restart does not move an existing schedule.
    await this.queue.upsertJobScheduler(
      name,
      { every: everyMs, startDate: Date.now() + everyMs },
      { name, data: payload, opts: jobOptions(DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS) },
    );
  }

  async process(handlers: Readonly<Record<string, JobHandler>>, options: ProcessOptions): Promise<void> {
    checkConcurrency(options.concurrency);
    if (this.worker !== undefined) throw new Error('process() was already called on this queue');
    if (this.closing !== undefined) throw new Error('the job queue is closed');
    const worker = new Worker<unknown, void, string>(
      this.settings.queueName,
      (job) => this.active.run(() => this.runJob(job, handlers, options.events)),
      {
        // Workers block on Redis and must ride out outages: BullMQ requires maxRetriesPerRequest null.
        connection: this.connect(null),
        prefix: this.settings.prefix,
        concurrency: options.concurrency,
        lockDuration: this.settings.lockDurationMs,
        stalledInterval: this.settings.stalledIntervalMs,
        maxStalledCount: this.settings.maxStalledCount,
      },
    );
    worker.on('error', (error) => this.warn(error, 'job worker: error'));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
    const of = (type: string): number => counts[type] ?? 0;
    return { waiting: of('wait') + of('prioritized'), active: of('active'), delayed: of('delayed'), failed: of('failed') };
  }

  async recentFailures(limit: number): Promise<FailedJob[]> {
    if (limit <= 0) return [];
    const jobs = await this.queue.getFailed(0, limit - 1);
    return jobs.filter((job): job is BullJob => job !== undefined).map((job) => ({
      id: job.id ?? '',
      name: job.name,
      error: job.failedReason,
      attempts: job.attemptsMade,
      failedAt: new Date(job.finishedOn ?? job.timestamp),
      payload: job.data,
    }));
  }

  close(graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const worker = this.worker;
    if (worker !== undefined) {
      // Stop fetching, keep running what is active. A graceful Worker.close() has no deadline and
      // cannot be forced once begun, so the waiting is done here and the close is forced when the
      // grace runs out: those jobs' locks lapse and another worker's stalled check retries them.
      await worker.pause(true);
      const finished = await this.active.idle(graceMs);
      if (!finished) this.logger?.warn({ active: this.active.size, graceMs }, 'job worker: jobs still running after the grace period; another worker will retry them');
      await worker.close(!finished);
    }
    await this.queue.close();
    // BullMQ leaves the clients it was given open; its own duplicates it closed above.
    await Promise.all(this.connections.map((client) => closeRedisClient(client)));
  }

  private async runJob(job: BullJob, handlers: Readonly<Record<string, JobHandler>>, events: JobEvents | undefined): Promise<void> {
    const context: JobContext = { id: job.id ?? '', name: job.name, attempt: job.attemptsMade + 1 };
    const handler = handlerFor(handlers, job.name);
    const started = performance.now();
    try {
      // Unrecoverable: failed at once, whatever attempts are left.
      if (handler === undefined) throw new UnrecoverableError(noHandlerMessage(job.name));
      await handler(job.data, context);
    } catch (thrown) {
      const error = asError(thrown);
      const willRetry = !(error instanceof UnrecoverableError) && context.attempt < (job.opts.attempts ?? 1);
      notify(() => events?.failed?.(job.name, error, performance.now() - started, willRetry));
      throw error;
    }
    notify(() => events?.completed?.(job.name, performance.now() - started));
  }

  private connect(maxRetriesPerRequest: number | null): Redis {
    const client = new Redis(this.settings.url, {
      maxRetriesPerRequest,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    });
    // BullMQ passes the client's errors on to the queue and worker, which log them; without a
    // listener of its own ioredis would also print each one.
    client.on('error', () => undefined);
    this.connections.push(client);
    return client;
  }

  private warn(error: Error, message: string): void {
    this.logger?.warn({ queue: this.settings.queueName, error: error.message }, message);
  }
}

function jobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: true,
    removeOnFail: { count: FAILED_JOBS_KEPT },
  };
}

