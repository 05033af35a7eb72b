import { describe, it, expect } from '@jest/globals';
import { cacheStatusHeader } from './cache-status.js';

describe('cacheStatusHeader (RFC 9211)', () => {
  it('writes each outcome', () => {
    expect(cacheStatusHeader({ kind: 'hit' })).toBe('Berth; hit');
    expect(cacheStatusHeader({ kind: 'hit', ttlSeconds: 12.7 })).toBe('Berth; hit; ttl=12');
    expect(cacheStatusHeader({ kind: 'miss', stored: true })).toBe('Berth; fwd=miss; stored');
    expect(cacheStatusHeader({ kind: 'miss', stored: false })).toBe('Berth; fwd=miss');
    expect(cacheStatusHeader({ kind: 'coalesced' })).toBe('Berth; fwd=miss; collapsed');
    expect(cacheStatusHeader({ kind: 'revalidated' })).toBe('Berth; fwd=stale; fwd-status=200; detail=revalidated');
  });

  it('keeps a stale reason inside one quoted string', () => {
    expect(cacheStatusHeader({ kind: 'stale', reason: 'upstream "status-503"\\' })).toBe('Berth; hit; detail="stale: upstream status-503"');
    expect(cacheStatusHeader({ kind: 'incomplete', reason: 'upstream "timeout"' })).toBe('Berth; fwd=miss; detail="incomplete: upstream timeout"');
  });
});
