/** How long a shutdown step may take before the log says what the process is still waiting for. */
export const SLOW_CLOSE_STEP_MS = 10_000;

/**
 * Await one shutdown step (background jobs, fills, Redis, the database). While it lasts, a warning
 * naming it is logged every SLOW_CLOSE_STEP_MS, so a shutdown that hangs says on what.
 */
/** The part of a pino logger this needs. */
export interface WarnLogger {
  warn(fields: object, message: string): void;
}

export async function closeStep(logger: WarnLogger, name: string, closing: Promise<void> | undefined): Promise<void> {
  if (closing === undefined) return;
  const started = Date.now();
  const timer = setInterval(() => logger.warn({ step: name, waitedMs: Date.now() - started }, `shutdown: still waiting for ${name}`), SLOW_CLOSE_STEP_MS);
  try {
    await closing;
  } finally {
    clearInterval(timer);
  }
}
