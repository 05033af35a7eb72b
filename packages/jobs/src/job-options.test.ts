import { describe, it, expect } from '@jest/globals';
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, handlerFor, resolveJobOptions, retryDelayMs } from './job-options.js';

describe('retryDelayMs', () => {
  it('doubles from the base after each failed attempt, as BullMQ exponential backoff', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(1000, attempt))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(150, 3)).toBe(600);
    expect(retryDelayMs(0, 5)).toBe(0);
  });
});

describe('resolveJobOptions', () => {
  it('fills in the port defaults', () => {
    expect(resolveJobOptions()).toEqual({ dedupeKey: undefined, delayMs: 0, attempts: DEFAULT_ATTEMPTS, backoffMs: DEFAULT_BACKOFF_MS });
    expect(resolveJobOptions({ dedupeKey: 'k', delayMs: 5, attempts: 1, backoffMs: 0 })).toEqual({ dedupeKey: 'k', delayMs: 5, attempts: 1, backoffMs: 0 });
  });

  it('refuses options no queue could honour', () => {
    expect(() => resolveJobOptions({ attempts: 0 })).toThrow(RangeError);
    expect(() => resolveJobOptions({ attempts: 1.5 })).toThrow(RangeError);
    expect(() => resolveJobOptions({ backoffMs: -1 })).toThrow(RangeError);
    expect(() => resolveJobOptions({ delayMs: Number.NaN })).toThrow(RangeError);
    expect(() => resolveJobOptions({ dedupeKey: '' })).toThrow(RangeError);
  });
});

describe('handlerFor', () => {
  it('finds own handlers only', () => {
    const handlers = { run: 1 };
    expect(handlerFor(handlers, 'run')).toBe(1);
    expect(handlerFor(handlers, 'constructor')).toBeUndefined();
    expect(handlerFor(handlers, 'toString')).toBeUndefined();
  });
});
