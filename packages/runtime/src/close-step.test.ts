import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { closeStep, SLOW_CLOSE_STEP_MS } from './close-step.js';

function recordingLogger() {
  const warnings: Array<{ fields: unknown; message: string }> = [];
  return { warnings, logger: { warn: (fields: object, message: string) => {
        warnings.push({ fields, message });
      }, } };
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
    const closing = closeStep(logger, 'metadata database', new Promise<void>((resolve) => (finish = resolve)));
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
    const { warnings, logger } = recordingLogger();
    await expect(closeStep(logger, 'redis', Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    await closeStep(logger, 'background jobs', undefined);
    await closeStep(logger, 'blob fills', Promise.resolve());
    await jest.advanceTimersByTimeAsync(3 * SLOW_CLOSE_STEP_MS);
    expect(warnings).toEqual([]);
  });
});
