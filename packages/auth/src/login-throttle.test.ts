import { describe, it, expect } from '@jest/globals';
import { LoginThrottle, MAX_LOCK_SECONDS } from './login-throttle.js';
import type { LoginThrottleOptions } from './login-throttle.js';

const HOME = '192.0.2.10';
const ELSEWHERE = '198.51.100.20';

/** A throttle on a fake clock that starts at an arbitrary instant. */
function throttleWith(options: Partial<LoginThrottleOptions> = {}) {
  let nowMs = Date.UTC(2026, 10, 29, 12);
  const throttle = new LoginThrottle({
    maxFailures: 3,
    windowSeconds: 60,
    lockSeconds: 30,
    now: () => nowMs,
    ...options,
  });
  const advance = (seconds: number): void => {
    nowMs += seconds * 1000;
  };
  const fail = (account: string, times: number, address = HOME): number[] =>
    Array.from({ length: times }, () => throttle.recordFailure(account, address).lockedForSeconds);
  return { throttle, advance, fail };
}

describe('LoginThrottle', () => {
  it('lets an unknown account try', () => {
    const { throttle } = throttleWith();
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
  });

  it('locks when failures within the window reach maxFailures', () => {
    const { throttle, fail } = throttleWith();
    expect(fail('alice', 2)).toEqual([0, 0]);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
    expect(fail('alice', 1)).toEqual([30]);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(30);
    expect(throttle.retryAfterSeconds('bob', HOME)).toBe(0);
  });

  it('counts down and lifts the lock', () => {
    const { throttle, advance, fail } = throttleWith();
    fail('alice', 3);
    advance(10.5);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(20);
    advance(19.5);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
  });

  it('does not count failures that fell out of the window', () => {
    const { throttle, advance, fail } = throttleWith();
    fail('alice', 2);
    advance(61);
    expect(fail('alice', 2)).toEqual([0, 0]);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
    expect(fail('alice', 1)).toEqual([30]);
  });

  it('doubles the lock on each further failure, capped at an hour', () => {
    const { throttle, advance, fail } = throttleWith();
    fail('alice', 3);
    advance(31);
    expect(fail('alice', 1)).toEqual([60]);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(60);
    expect(fail('alice', 6)).toEqual([120, 240, 480, 960, 1920, MAX_LOCK_SECONDS]);
    expect(fail('alice', 1)).toEqual([MAX_LOCK_SECONDS]);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(MAX_LOCK_SECONDS);
  });

  it('keeps a configured lock longer than an hour', () => {
    const { fail } = throttleWith({ maxFailures: 1, lockSeconds: 7200 });
    expect(fail('alice', 2)).toEqual([7200, 7200]);
  });

  it('starts afresh after a success', () => {
    const { throttle, advance, fail } = throttleWith();
    fail('alice', 3);
    advance(31);
    throttle.recordSuccess('alice', HOME);
    expect(fail('alice', 2)).toEqual([0, 0]);
    expect(throttle.trackedAccounts).toBe(1);
    throttle.recordSuccess('alice', HOME);
    expect(throttle.trackedAccounts).toBe(0);
  });

  it('forgets a lock after a quiet window once it has ended', () => {
    const { throttle, advance, fail } = throttleWith();
    fail('alice', 3);
    advance(30 + 59);
    expect(fail('alice', 1)).toEqual([60]);
    advance(60 + 60);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
    expect(throttle.trackedAccounts).toBe(0);
    expect(fail('alice', 3)).toEqual([0, 0, 30]);
  });

  it('never locks when maxFailures is 0', () => {
    const { throttle, fail } = throttleWith({ maxFailures: 0 });
    expect(fail('alice', 50).every((lock) => lock === 0)).toBe(true);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
    expect(throttle.trackedAccounts).toBe(0);
  });

  it('remembers a bounded number of accounts, dropping the least recently failed', () => {
    const { throttle, fail } = throttleWith({ maxFailures: 2, maxTrackedAccounts: 3 });
    fail('a', 2);
    fail('b', 2);
    fail('c', 2);
    fail('a', 1); // a is now the most recent
    fail('d', 2);
    expect(throttle.trackedAccounts).toBe(3);
    expect(throttle.retryAfterSeconds('b', HOME)).toBe(0);
    expect(['a', 'c', 'd'].map((account) => throttle.retryAfterSeconds(account, HOME) > 0)).toEqual([true, true, true]);
  });

  it('bounds memory at 10,000 accounts by default', () => {
    const { throttle, fail } = throttleWith();
    for (let i = 0; i < 10_050; i += 1) fail(`user${i}`, 1);
    expect(throttle.trackedAccounts).toBe(10_000);
    expect(fail('user0', 2)).toEqual([0, 0]); // user0 had been forgotten, so this is its first failure
  });

  it('locks the pair of account and address: the same account from another address may still try', () => {
    const { throttle, fail } = throttleWith();
    expect(fail('alice', 3, ELSEWHERE)).toEqual([0, 0, 30]);
    expect(throttle.retryAfterSeconds('alice', ELSEWHERE)).toBe(30);
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
    // The owner's own failures count on their own: two do not lock, and a success clears only them.
    expect(fail('alice', 2, HOME)).toEqual([0, 0]);
    throttle.recordSuccess('alice', HOME);
    expect(throttle.retryAfterSeconds('alice', ELSEWHERE)).toBe(30);
    expect(fail('alice', 2, HOME)).toEqual([0, 0]);
  });

  it('unlock clears the account from every address, and no other account', () => {
    const { throttle, fail } = throttleWith();
    fail('alice', 3, HOME);
    fail('alice', 3, ELSEWHERE);
    fail('alice', 1, '203.0.113.30');
    fail('bob', 3, HOME);
    expect(throttle.unlock('alice')).toEqual({ unlockedAddresses: 2 });
    expect(throttle.retryAfterSeconds('alice', HOME)).toBe(0);
    expect(throttle.retryAfterSeconds('alice', ELSEWHERE)).toBe(0);
    expect(fail('alice', 2, '203.0.113.30')).toEqual([0, 0]); // its earlier failure was forgotten too
    expect(throttle.retryAfterSeconds('bob', HOME)).toBe(30);
    expect(throttle.unlock('nobody')).toEqual({ unlockedAddresses: 0 });
  });

  it('keeps a tag with the current lock only', () => {
    const { throttle, advance, fail } = throttleWith();
    throttle.tagLock('alice', HOME, 7); // not locked: nothing to tag
    fail('alice', 3);
    expect(throttle.lockTag('alice', HOME)).toBeUndefined();
    throttle.tagLock('alice', HOME, 7);
    expect(throttle.lockTag('alice', HOME)).toBe(7);
    expect(throttle.lockTag('alice', ELSEWHERE)).toBeUndefined();
    throttle.tagLock('alice', HOME, null);
    expect(throttle.lockTag('alice', HOME)).toBeNull();
    advance(30);
    expect(throttle.lockTag('alice', HOME)).toBeUndefined(); // the lock ended
    throttle.forget('alice', HOME);
    expect(throttle.trackedAccounts).toBe(0);
  });

  it('keeps account names with spaces apart from the address', () => {
    const { throttle, fail } = throttleWith();
    fail('a b', 3, HOME);
    expect(throttle.unlock('b')).toEqual({ unlockedAddresses: 0 });
    expect(throttle.retryAfterSeconds('a b', HOME)).toBe(30);
    expect(throttle.unlock('a b')).toEqual({ unlockedAddresses: 1 });
  });

  it('refuses negative or fractional options', () => {
    expect(() => new LoginThrottle({ maxFailures: -1, windowSeconds: 60, lockSeconds: 30 })).toThrow('maxFailures');
    expect(() => new LoginThrottle({ maxFailures: 3, windowSeconds: 1.5, lockSeconds: 30 })).toThrow('windowSeconds');
  });
});
