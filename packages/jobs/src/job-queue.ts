/**
 * The queue port every job runner implements: BullMQ on Redis for production (any number of
 * registry replicas enqueue, any number of workers process), or an in-process runner for the
 * embedded mode. Both pass one contract suite (test/jobs/queue-contract.ts).
 */

export interface JobOptions {
  /**
   * Deduplication key: while a job with this key is waiting, delayed, active or waiting for a
   * retry, adding another with the same key does nothing. Once it completed or finally failed,
   * the key may be used again.
   */
  dedupeKey?: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Attempts in all, including the first (default 5). */
  attempts?: number;
  /** Base of the exponential backoff between attempts, in milliseconds (default 1000): base, 2×base, 4×base... */
  backoffMs?: number;
}

export interface JobContext {
  id: string;
  name: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  /** Finally failed jobs still remembered (the most recent ones). */
  failed: number;
}

export interface FailedJob {
  id: string;
  name: string;
  /** The last attempt's error message. */
  error: string;
  attempts: number;
  failedAt: Date;
  payload: unknown;
}

/** Observers a worker calls; used for metrics and logs. */
export interface JobEvents {
  completed?(name: string, durationMs: number): void;
  /** `willRetry` is false when this was the last attempt. */
  failed?(name: string, error: Error, durationMs: number, willRetry: boolean): void;
}

export interface ProcessOptions {
  /** Jobs run at once by this worker. */
  concurrency: number;
  events?: JobEvents;
}

export interface JobQueue {
  /** Enqueue a job; false when a job with the same dedupeKey is already pending. */
  add(name: string, payload: unknown, options?: JobOptions): Promise<boolean>;
  /**
   * Run `name` with `payload` every `everyMs` milliseconds. One schedule per name however many
   * processes call this (the last call's interval wins); the first run is one interval from now.
   */
  schedule(name: string, everyMs: number, payload: unknown): Promise<void>;
  /** Become a worker for these job names. A job whose name has no handler fails. */
  process(handlers: Readonly<Record<string, JobHandler>>, options: ProcessOptions): Promise<void>;
  counts(): Promise<JobCounts>;
  /** The most recent finally failed jobs, newest first. */
  recentFailures(limit: number): Promise<FailedJob[]>;
  /**
   * Stop taking new jobs, wait up to `graceMs` for active ones to finish, then release every
   * connection and timer. Jobs cut by the grace period are retried later (BullMQ: by another worker).
   */
  close(graceMs?: number): Promise<void>;
}
