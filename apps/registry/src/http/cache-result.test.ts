import { describe, it, expect } from '@jest/globals';
import { cacheStatusHeader, type CacheOutcome } from '@berth/core';
import { cacheResultOf } from './cache-result.js';

describe('cacheResultOf', () => {
  it('reduces every header core writes to its outcome', () => {
    const cases: Array<[CacheOutcome, string]> = [
      [{ kind: 'hit' }, 'hit'],
      [{ kind: 'hit', ttlSeconds: 42.7 }, 'hit'],
      [{ kind: 'revalidated' }, 'revalidated'],
      [{ kind: 'miss', stored: true }, 'miss'],
      [{ kind: 'miss', stored: false }, 'miss'],
      [{ kind: 'coalesced' }, 'coalesced'],
      [{ kind: 'stale', reason: 'upstream 503, breaker open; retry' }, 'stale'],
      [{ kind: 'incomplete', reason: 'upstream unreachable, nothing cached' }, 'incomplete'],
    ];
    for (const [outcome, expected] of cases) expect([outcome, cacheResultOf(cacheStatusHeader(outcome))]).toEqual([outcome, expected]);
  });

  it('uses the Berth entry of a list and ignores what it does not know', () => {
    expect(cacheResultOf('Berth; fwd=miss; stored, CDN; hit')).toBe('miss');
    expect(cacheResultOf(['Edge; fwd=miss', 'Berth; hit; detail="stale: upstream said, no"'])).toBe('stale');
    expect(cacheResultOf('Other; hit')).toBe('hit');
    expect(cacheResultOf(undefined)).toBeUndefined();
    expect(cacheResultOf('')).toBeUndefined();
    expect(cacheResultOf('Berth; fwd=uri-miss')).toBeUndefined();
  });
});
