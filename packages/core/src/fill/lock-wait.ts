import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobStore } from '@berth/storage';
import { FillWaitTimeoutError } from './errors.js';
import type { FillLock, FillLockLease } from './fill-lock.js';
import type { LockWaitOptions } from './types.js';

const DEFAULTS = { timeoutMs: 10 * 60 * 1000, initialDelayMs: 200, maxDelayMs: 5000 };

/** The lock for `digest`, or 'stored' once another replica's fill put the blob in the store. */
export type LockOutcome = { lease: FillLockLease } | 'stored';

/**
 * Take the fill lock for `digest`. When another replica holds it, poll the store with backoff
 * until its fill lands there; retry the lock meanwhile, so that a holder that died (its lock
 * expired) is taken over. Gives up with FillWaitTimeoutError after `timeoutMs`.
 */
export async function acquireOrAwaitFill(digest: string, store: BlobStore, lock: FillLock, options: LockWaitOptions = {}): Promise<LockOutcome> {
  const first = await lock.acquire(digest);
  if (first !== null) return { lease: first };
  const { timeoutMs, initialDelayMs, maxDelayMs } = { ...DEFAULTS, ...options };
  const deadline = Date.now() + timeoutMs;
  let delay = initialDelayMs;
  for (;;) {
    await sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
    if ((await store.stat(digest)) !== null) return 'stored';
    const lease = await lock.acquire(digest);
    if (lease !== null) return { lease };
    if (Date.now() >= deadline) throw new FillWaitTimeoutError(digest, timeoutMs);
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
