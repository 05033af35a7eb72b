import { describe, it, expect } from '@jest/globals';
import { InMemoryReferrersCache } from './in-memory.js';
import { DEFAULT_REFERRERS_CACHE_LIMITS } from './types.js';

// The shared semantics are tested by the contract suite (test/redis/referrers-cache-contract.ts);
// here, what only the constructor decides: defaults, the real clock, invalid limits.

describe('InMemoryReferrersCache', () => {
  it('applies the default limits to those not given', async () => {
    const { maxEntryBytes, expireAfterMs } = DEFAULT_REFERRERS_CACHE_LIMITS;
    const cache = new InMemoryReferrersCache({ maxTotalBytes: maxEntryBytes * 2, expireAfterMs: undefined });
    expect(await cache.set('largest', 'x'.repeat(maxEntryBytes), Date.now())).toBe(true);
    expect(await cache.set('too large', 'x'.repeat(maxEntryBytes + 1), Date.now())).toBe(false);
    expect(await cache.set('second', 'y'.repeat(maxEntryBytes), Date.now())).toBe(true);
    expect(await cache.set('third', 'z', Date.now())).toBe(true); // over 2 MiB: the first goes
    expect(await cache.get('largest')).toBeNull();
    expect(await cache.usage()).toEqual({ entries: 2, bytes: maxEntryBytes + 1 });
    // Seven days by Date.now(), the default clock.
    expect(await cache.set('old', 'v', Date.now() - expireAfterMs + 60_000)).toBe(true);
    expect((await cache.get('old'))?.value).toBe('v');
    expect(await cache.set('older', 'v', Date.now() - expireAfterMs)).toBe(true);
    expect(await cache.get('older')).toBeNull();
  });

  it('refuses limits that cannot hold an entry of the largest size, and a storedAt that is not a time', async () => {
    expect(() => new InMemoryReferrersCache({ maxEntryBytes: 100, maxTotalBytes: 99 })).toThrow(RangeError);
    expect(() => new InMemoryReferrersCache({ maxEntryBytes: 1.5 })).toThrow(RangeError);
    expect(() => new InMemoryReferrersCache({ expireAfterMs: 0 })).toThrow(RangeError);
    await expect(new InMemoryReferrersCache().set('k', 'v', Number.NaN)).rejects.toThrow(RangeError);
  });
});
