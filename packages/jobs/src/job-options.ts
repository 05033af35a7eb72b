import type { JobOptions } from './job-queue.js';

// What both queue adapters agree on: the port's defaults, option checks and the backoff curve.

/** Attempts in all when JobOptions.attempts is not given (the port's documented default). */
export const DEFAULT_ATTEMPTS = 5;
/** Backoff base when JobOptions.backoffMs is not given. */
export const DEFAULT_BACKOFF_MS = 1000;
/** How long close() waits for active jobs when no grace is given. */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;
/** Longest delay a Node timer accepts (about 24.8 days); longer ones would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ResolvedJobOptions {
  dedupeKey: string | undefined;
  delayMs: number;
  attempts: number;
  backoffMs: number;
}

/** The options with defaults filled in; throws RangeError for values no queue could honour. */
export function resolveJobOptions(options: JobOptions = {}): ResolvedJobOptions {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const delayMs = options.delayMs ?? 0;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be an integer >= 1, not ${attempts}`);
  if (!Number.isFinite(backoffMs) || backoffMs < 0) throw new RangeError(`backoffMs must be >= 0, not ${backoffMs}`);
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delayMs must be >= 0, not ${delayMs}`);
  if (options.dedupeKey === '') throw new RangeError('dedupeKey must not be empty');
  return { dedupeKey: options.dedupeKey, delayMs, attempts, backoffMs };
}

/**
 * The wait before the next attempt once attempt `failedAttempt` (1-based) failed: base, 2×base,
 * 4×base... This is BullMQ's 'exponential' backoff, so both adapters retry on the same curve.
 */
export function retryDelayMs(baseMs: number, failedAttempt: number): number {
  return Math.round(baseMs * 2 ** (failedAttempt - 1));
}

export function checkInterval(everyMs: number): void {
  if (!Number.isFinite(everyMs) || everyMs < 1) throw new RangeError(`a schedule's interval must be >= 1 ms, not ${everyMs}`);
}

export function checkConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, not ${concurrency}`);
}

/** Why a job whose name no handler knows failed; such a job fails at once, without retries. */
export function noHandlerMessage(name: string): string {
  return `no handler for job "${name}"`;
}

/** The handler for `name`, looked up as an own property only ("constructor" is not a job). */
export function handlerFor<T>(handlers: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(handlers, name) ? handlers[name] : undefined;
}

export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** Call an observer; one that throws must not turn a finished job into a failed one. */
export function notify(call: () => void): void {
  try {
    call();
  } catch {
    // Observers are metrics and logs; their failures are theirs.
  }
}
