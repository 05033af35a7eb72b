import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { closeStep, SLOW_CLOSE_STEP_MS } from './close-step.js';

const LIMIT_MS = 10 * SLOW_CLOSE_STEP_MS;

function recordingLogger() {
  const warnings: Array<{ fields: unknown; message: string }> = [];
  const errors: Array<{ fields: unknown; message: string }> = [];
  return {
    warnings,
    errors,
    logger: {
      warn: (fields: object, message: string) => void warnings.push({ fields, message }),
      error: (fields: object, message: string) => void errors.push({ fields, message }),
    },
  };
}

describe('closeStep', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('says what shutdown is still waiting for, each time the interval passes, and stops once the step ends', async () => {
    const { warnings, logger } = recordingLogger();
    let finish!: () => void;
    const closing = closeStep(logger, 'metadata database', new Promise<void>((resolve) => (finish = resolve)), LIMIT_MS);
    await jest.advanceTimersByTimeAsync(SLOW_CLOSE_STEP_MS - 1);
    expect(warnings).toEqual([]);
    await jest.advanceTimersByTimeAsync(2 * SLOW_CLOSE_STEP_MS);
    expect(warnings.map((w) => w.message)).toEqual(['shutdown: still waiting for metadata database', 'shutdown: still waiting for metadata database']);
    expect(warnings[0]!.fields).toMatchObject({ step: 'metadata database' });
    finish();
    await closing;
    await jest.advanceTimersByTimeAsync(5 * SLOW_CLOSE_STEP_MS);
    expect(warnings).toHaveLength(2);
  });

  it('passes a failing step on, and logs nothing for a quick one or an absent one', async () => {
    const { warnings, errors, logger } = recordingLogger();
    await expect(closeStep(logger, 'redis', Promise.reject(new Error('gone')), LIMIT_MS)).rejects.toThrow('gone');
    await closeStep(logger, 'background jobs', undefined, LIMIT_MS);
    await closeStep(logger, 'blob fills', Promise.resolve(), LIMIT_MS);
    await jest.advanceTimersByTimeAsync(2 * LIMIT_MS);
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('gives a step that never ends up after its limit, saying which, so shutdown goes on', async () => {
    const { warnings, errors, logger } = recordingLogger();
    let done = false;
    const closing = closeStep(logger, 'metadata database', new Promise<void>(() => undefined), LIMIT_MS).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(LIMIT_MS - 1);
    expect(done).toBe(false);
    expect(errors).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    await closing;
    expect(errors).toEqual([{ fields: { step: 'metadata database', waitedMs: LIMIT_MS }, message: 'shutdown: gave up waiting for metadata database' }]);
    const warned = warnings.length;
    await jest.advanceTimersByTimeAsync(5 * SLOW_CLOSE_STEP_MS);
    expect(warnings).toHaveLength(warned); // no more "still waiting" once given up
  });
});
