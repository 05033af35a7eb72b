import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ActiveJobs } from './active-jobs.js';
import {
  DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_CLOSE_GRACE_MS, MAX_TIMER_MS,
  asError, checkConcurrency, checkInterval, handlerFor, noHandlerMessage, notify, resolveJobOptions, retryDelayMs,
} from './job-options.js';
import type {
  FailedJob, JobContext, JobCounts, JobHandler, JobOptions, JobQueue, ProcessOptions,
} from './job-queue.js';

export interface InProcessJobQueueOptions {
  /** Finally failed jobs remembered for recentFailures() and counts().failed (default 100, as BullMQ keeps). */
  maxFailuresKept?: number;
}

interface Schedule {
  timer: NodeJS.Timeout;
  /** This schedule's run that is due but not started yet: at most one, as with a BullMQ job scheduler. */
  waitingRun?: QueuedJob;
}

interface QueuedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  backoffMs: number;
  /** The attempt it runs as next, 1-based. */
  attempt: number;
  dedupeKey?: string;
  schedule?: Schedule;
}

interface Worker {
  handlers: Readonly<Record<string, JobHandler>>;
  concurrency: number;
  events: ProcessOptions['events'];
}

class NoHandlerError extends Error {}

/**
 * The job queue of the embedded mode: everything in this process's memory, so pending jobs do not
 * survive a restart. Otherwise it keeps BullMQ's semantics: JSON payloads, dedupe keys held until a
 * job completes or finally fails, delays, exponential backoff, one pending run per schedule.
 * Timers are unref'd: a queue alone never keeps the process alive.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly maxFailuresKept: number;
  private readonly waiting: QueuedJob[] = [];
  private readonly delayed = new Map<QueuedJob, NodeJS.Timeout>();
  private readonly active = new ActiveJobs();
  /** dedupe key → id of the job holding it */
  private readonly dedupeKeys = new Map<string, string>();
  private readonly schedules = new Map<string, Schedule>();
  /** Newest first. */
  private failures: FailedJob[] = [];
  private worker: Worker | undefined;
  private closed = false;

  constructor(options: InProcessJobQueueOptions = {}) {
    this.maxFailuresKept = options.maxFailuresKept ?? 100;
  }

  async add(name: string, payload: unknown, options?: JobOptions): Promise<boolean> {
    this.assertOpen();
    const { dedupeKey, delayMs, attempts, backoffMs } = resolveJobOptions(options);
    if (dedupeKey !== undefined && this.dedupeKeys.has(dedupeKey)) return false;
    const job: QueuedJob = { id: randomUUID(), name, payload: asStored(payload), attempts, backoffMs, attempt: 1, dedupeKey };
    if (dedupeKey !== undefined) this.dedupeKeys.set(dedupeKey, job.id);
    if (delayMs > 0) this.delay(job, delayMs);
    else this.enqueue(job);
    return true;
  }

  async schedule(name: string, everyMs: number, payload: unknown): Promise<void> {
    checkInterval(everyMs);
    this.assertOpen();
    const previous = this.schedules.get(name);
    if (previous !== undefined) {
      clearInterval(previous.timer);
      // Like BullMQ's upsert, the replaced schedule's run that did not start yet goes with it.
      if (previous.waitingRun !== undefined) this.removeWaiting(previous.waitingRun);
    }
    const stored = asStored(payload);
    const schedule: Schedule = { timer: setInterval(() => this.tick(name, stored, schedule), everyMs) };
    schedule.timer.unref();
    this.schedules.set(name, schedule);
  }

  async process(handlers: Readonly<Record<string, JobHandler>>, options: ProcessOptions): Promise<void> {
    this.assertOpen();
    checkConcurrency(options.concurrency);
    if (this.worker !== undefined) throw new Error('process() was already called on this queue');
    this.worker = { handlers, concurrency: options.concurrency, events: options.events };
    this.pump();
  }

  async counts(): Promise<JobCounts> {
    // A schedule counts as one delayed job until its run is due, as a BullMQ job scheduler's next job does.
    const schedulesBetweenRuns = [...this.schedules.values()].filter((s) => s.waitingRun === undefined).length;
    return {
      waiting: this.waiting.length,
      active: this.active.size,
      delayed: this.delayed.size + schedulesBetweenRuns,
      failed: this.failures.length,
    };
  }

  async recentFailures(limit: number): Promise<FailedJob[]> {
    return this.failures.slice(0, Math.max(0, limit));
  }

  /** Pending and delayed jobs are dropped (they live in memory); active ones get up to `graceMs`. */
  async close(graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const schedule of this.schedules.values()) clearInterval(schedule.timer);
      this.schedules.clear();
      for (const timer of this.delayed.values()) clearTimeout(timer);
      this.delayed.clear();
      this.waiting.length = 0;
    }
    await this.active.idle(graceMs);
  }

  private tick(name: string, payload: unknown, schedule: Schedule): void {
    if (schedule.waitingRun !== undefined) return;
    const run: QueuedJob = {
      id: `schedule:${name}:${randomUUID()}`, name, payload, attempts: DEFAULT_ATTEMPTS, backoffMs: DEFAULT_BACKOFF_MS, attempt: 1, schedule,
    };
    schedule.waitingRun = run;
    this.enqueue(run);
  }

  private enqueue(job: QueuedJob): void {
    this.waiting.push(job);
    this.pump();
  }

  private delay(job: QueuedJob, ms: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(job);
      this.enqueue(job);
    }, Math.min(ms, MAX_TIMER_MS));
    timer.unref();
    this.delayed.set(job, timer);
  }

  private removeWaiting(job: QueuedJob): void {
    const index = this.waiting.indexOf(job);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  /** Start waiting jobs while the worker has free slots. */
  private pump(): void {
    const worker = this.worker;
    if (worker === undefined || this.closed) return;
    while (this.active.size < worker.concurrency) {
      const job = this.waiting.shift();
      if (job === undefined) return;
      if (job.schedule?.waitingRun === job) job.schedule.waitingRun = undefined;
      void this.active.run(() => this.runJob(job, worker)).then(() => this.pump());
    }
  }

  /** Never rejects: a failure becomes a retry or a remembered failure. */
  private async runJob(job: QueuedJob, worker: Worker): Promise<void> {
    const context: JobContext = { id: job.id, name: job.name, attempt: job.attempt };
    const handler = handlerFor(worker.handlers, job.name);
    const started = performance.now();
    try {
      if (handler === undefined) throw new NoHandlerError(noHandlerMessage(job.name));
      // A copy per attempt, as BullMQ reads the payload from Redis each time.
      await handler(asStored(job.payload), context);
    } catch (thrown) {
      const error = asError(thrown);
      const willRetry = !(error instanceof NoHandlerError) && job.attempt < job.attempts;
      notify(() => worker.events?.failed?.(job.name, error, performance.now() - started, willRetry));
      if (willRetry) {
        // After close() nothing is scheduled any more; the retry is dropped with the other pending jobs.
        if (!this.closed) this.delay(job, retryDelayMs(job.backoffMs, job.attempt));
        job.attempt += 1;
      } else {
        this.releaseDedupeKey(job);
        this.remember({ id: job.id, name: job.name, error: error.message, attempts: job.attempt, failedAt: new Date(), payload: job.payload });
      }
      return;
    }
    this.releaseDedupeKey(job);
    notify(() => worker.events?.completed?.(job.name, performance.now() - started));
  }

  private releaseDedupeKey(job: QueuedJob): void {
    if (job.dedupeKey !== undefined && this.dedupeKeys.get(job.dedupeKey) === job.id) this.dedupeKeys.delete(job.dedupeKey);
  }

  private remember(failure: FailedJob): void {
    this.failures.unshift(failure);
    if (this.failures.length > this.maxFailuresKept) this.failures.length = this.maxFailuresKept;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the job queue is closed');
  }
}

/** The payload as a handler on another process would get it: a JSON copy (BullMQ stores undefined as {}). */
function asStored(payload: unknown): unknown {
  return payload === undefined ? {} : JSON.parse(JSON.stringify(payload));
}
