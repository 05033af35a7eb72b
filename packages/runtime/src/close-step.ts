/** How long a shutdown step may take before the log says what the process is still waiting for. */
export const SLOW_CLOSE_STEP_MS = 10_000;

/**
 * How long a shutdown step may take beyond the shutdown grace period before it is given up: what
 * each step waits on is bounded on its own (jobs and requests by the grace, database connections
 * by the pool's close), so this only cuts a wait nothing else bounds, and the process still exits.
 */
export const CLOSE_STEP_LIMIT_MS = 60_000;

/** The part of a pino logger this needs. */
export interface CloseStepLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Await one shutdown step (background jobs, fills, Redis, the database). While it lasts, a warning
 * naming it is logged every SLOW_CLOSE_STEP_MS, so a shutdown that hangs says on what; after
 * `limitMs` the step is given up (an error naming it) and shutdown goes on without it.
 */
export async function closeStep(logger: CloseStepLogger, name: string, closing: Promise<void> | undefined, limitMs: number): Promise<void> {
  if (closing === undefined) return;
  const started = Date.now();
  const waited = () => ({ step: name, waitedMs: Date.now() - started });
  const timer = setInterval(() => logger.warn(waited(), `shutdown: still waiting for ${name}`), SLOW_CLOSE_STEP_MS);
  let limit: NodeJS.Timeout | undefined;
  const givenUp = new Promise<void>((resolve) => {
    limit = setTimeout(() => {
      logger.error(waited(), `shutdown: gave up waiting for ${name}`);
      resolve();
    }, limitMs);
  });
  try {
    await Promise.race([closing, givenUp]);
  } finally {
    clearInterval(timer);
    clearTimeout(limit);
  }
}
