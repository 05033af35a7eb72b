import { describe, expect, it } from '@jest/globals';
import { TokenCache, refreshAt } from './token-cache.js';

describe('refreshAt', () => {
  it('uses a tenth of the lifetime as margin, at most 10 s, and 60 s without expires_in', () => {
    expect(refreshAt(0, 60)).toBe(54_000);
    expect(refreshAt(0, 300)).toBe(290_000);
    expect(refreshAt(0, undefined)).toBe(54_000);
    expect(refreshAt(0, 0)).toBe(54_000);
    expect(refreshAt(1000, 1)).toBe(1900);
  });
});

describe('TokenCache', () => {
  it('serves a token until it expires, then fetches a new one', async () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    let fetches = 0;
    const fetchToken = async () => ({ token: `t${(fetches += 1)}`, expiresAt: now + 1000 });
    expect(await cache.get('k', fetchToken)).toBe('t1');
    now = 999;
    expect(await cache.get('k', fetchToken)).toBe('t1');
    now = 1000;
    expect(cache.peek('k')).toBeUndefined();
    expect(await cache.get('k', fetchToken)).toBe('t2');
    expect(fetches).toBe(2);
  });

  it('keeps tokens apart by key and forgets invalidated ones', async () => {
    const cache = new TokenCache(() => 0);
    await cache.get('a', async () => ({ token: 'A', expiresAt: 10 }));
    await cache.get('b', async () => ({ token: 'B', expiresAt: 10 }));
    expect([cache.peek('a'), cache.peek('b')]).toEqual(['A', 'B']);
    cache.invalidate('a');
    expect(cache.peek('a')).toBeUndefined();
  });

  it('shares one fetch between concurrent callers and does not cache failures', async () => {
    const cache = new TokenCache(() => 0);
    let fetches = 0;
    let release: (value: { token: string; expiresAt: number }) => void = () => undefined;
    const slow = () => {
      fetches += 1;
      return new Promise<{ token: string; expiresAt: number }>((resolve) => { release = resolve; });
    };
    const both = Promise.all([cache.get('k', slow), cache.get('k', slow)]);
    release({ token: 'shared', expiresAt: 100 });
    expect(await both).toEqual(['shared', 'shared']);
    expect(fetches).toBe(1);

    await expect(cache.get('x', async () => { throw new Error('realm down'); })).rejects.toThrow('realm down');
    expect(await cache.get('x', async () => ({ token: 'ok', expiresAt: 100 }))).toBe('ok');
  });

  it('drops the oldest entry beyond its capacity', async () => {
    const cache = new TokenCache(() => 0, 2);
    for (const key of ['a', 'b', 'c']) cache.set(key, { token: key, expiresAt: 10 });
    expect(cache.size).toBe(2);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('c')).toBe('c');
  });
});
