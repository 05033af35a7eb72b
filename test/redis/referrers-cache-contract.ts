import { describe, it, expect } from '@jest/globals';
import { randomInt } from 'node:crypto';
import type { ReferrersCache, ReferrersCacheLimits } from '@berth/core';

// The semantics of core's ReferrersCache port (packages/core/src/referrers-cache/types.ts), run
// against each implementation. Nothing here knows how an implementation stores its entries.

export interface ReferrersCacheSubject {
  /** A cache on storage of its own, empty. */
  cache: ReferrersCache;
  /** Another handle on the same storage, as another replica would hold (in memory: the cache itself). */
  peer(): ReferrersCache;
}

/** A cache with these limits whose expiry follows `now`. */
export type ReferrersCacheFactory = (limits: ReferrersCacheLimits, now: () => number) => Promise<ReferrersCacheSubject>;

class FakeClock {
  time = Date.UTC(2026, 10, 1);
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

const byteLength = (value: string): number => Buffer.byteLength(value, 'utf8');

/** A value of exactly `bytes` UTF-8 bytes, with two-byte characters in it when `multiByte`. */
function valueOf(bytes: number, multiByte = false): string {
  const wide = multiByte ? Math.floor(bytes / 4) : 0;
  return 'é'.repeat(wide) + 'x'.repeat(bytes - 2 * wide);
}

export function referrersCacheContract(name: string, factory: ReferrersCacheFactory): void {
  describe(`${name}: the ReferrersCache contract`, () => {
    async function subject(limits: Partial<ReferrersCacheLimits> = {}) {
      const clock = new FakeClock();
      const made = await factory({ maxEntryBytes: 1024, maxTotalBytes: 64 * 1024, expireAfterMs: 60_000, ...limits }, clock.now);
      return { ...made, clock };
    }

    it('returns what was set with its storedAt, to every handle, and counts it', async () => {
      const { cache, peer, clock } = await subject();
      const value = JSON.stringify({ schemaVersion: 2, manifests: [{ digest: `sha256:${'a'.repeat(64)}`, size: 123 }] });
      expect(await cache.get('a')).toBeNull();
      expect(await cache.set('a', value, clock.time - 5)).toBe(true);
      expect(await cache.get('a')).toEqual({ value, storedAt: clock.time - 5 });
      expect(await peer().get('a')).toEqual({ value, storedAt: clock.time - 5 });
      expect(await cache.get('b')).toBeNull();
      // An empty value is a value, not a miss.
      expect(await peer().set('empty', '', clock.time)).toBe(true);
      expect(await cache.get('empty')).toEqual({ value: '', storedAt: clock.time });
      expect(await cache.usage()).toEqual({ entries: 2, bytes: byteLength(value) });
    });

    it('answers "unchanged" without the value to a caller holding the current storedAt, as a use', async () => {
      const { cache, peer, clock } = await subject({ maxEntryBytes: 20, maxTotalBytes: 30 });
      await cache.set('a', valueOf(10), clock.time);
      await cache.set('b', valueOf(10), clock.time);
      await cache.set('c', valueOf(10), clock.time);
      expect(await peer().get('a', clock.time)).toEqual({ storedAt: clock.time, unchanged: true });
      expect(await cache.get('a', clock.time - 1)).toEqual({ value: valueOf(10), storedAt: clock.time });
      expect(await cache.get('a', undefined)).toEqual({ value: valueOf(10), storedAt: clock.time });
      await cache.set('d', valueOf(10), clock.time); // b is now the least recently used, not a
      expect(await cache.get('b')).toBeNull();
      expect(await cache.get('a', clock.time)).toEqual({ storedAt: clock.time, unchanged: true });
    });

    it('replaces the accounting of a value it overwrites', async () => {
      const { cache, clock } = await subject();
      await cache.set('k', valueOf(100), clock.time);
      await cache.set('other', valueOf(10), clock.time);
      expect(await cache.usage()).toEqual({ entries: 2, bytes: 110 });
      expect(await cache.set('k', valueOf(40), clock.time + 1)).toBe(true);
      expect(await cache.usage()).toEqual({ entries: 2, bytes: 50 });
      expect(await cache.get('k')).toEqual({ value: valueOf(40), storedAt: clock.time + 1 });
    });

    it('refuses a value over maxEntryBytes and removes the older value of that key', async () => {
      const { cache, clock } = await subject({ maxEntryBytes: 100 });
      expect(await cache.set('k', valueOf(100), clock.time)).toBe(true);
      expect(await cache.usage()).toEqual({ entries: 1, bytes: 100 });
      expect(await cache.set('k', valueOf(101), clock.time + 1)).toBe(false);
      expect(await cache.get('k')).toBeNull();
      expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });
      expect(await cache.set('fresh', valueOf(5000), clock.time)).toBe(false);
      expect(await cache.get('fresh')).toBeNull();
      expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });
    });

    it('evicts least recently used entries first, a get counting as a use', async () => {
      const { cache, clock } = await subject({ maxEntryBytes: 20, maxTotalBytes: 30 });
      for (const key of ['a', 'b', 'c']) expect(await cache.set(key, valueOf(10), clock.time)).toBe(true);
      expect(await cache.usage()).toEqual({ entries: 3, bytes: 30 });
      expect(await cache.get('a')).not.toBeNull(); // recency now b, c, a
      expect(await cache.set('d', valueOf(10), clock.time)).toBe(true); // b goes
      expect(await cache.get('b')).toBeNull();
      expect(await cache.usage()).toEqual({ entries: 3, bytes: 30 });
      expect(await cache.set('e', valueOf(20), clock.time)).toBe(true); // c, then a go
      expect(await cache.usage()).toEqual({ entries: 2, bytes: 30 });
      expect(await cache.get('c')).toBeNull();
      expect(await cache.get('a')).toBeNull();
      expect((await cache.get('d'))?.value).toBe(valueOf(10));
      expect((await cache.get('e'))?.value).toBe(valueOf(20));
    });

    it('holds the byte budget exactly under 50 concurrent writers of random sizes', async () => {
      const maxEntryBytes = 2000;
      const maxTotalBytes = 8000;
      const { cache, peer, clock } = await subject({ maxEntryBytes, maxTotalBytes });
      const handles = [cache, ...Array.from({ length: 4 }, () => peer())];
      const written = new Map<string, Set<string>>();
      const writes = Array.from({ length: 50 }, (_, i) => {
        const key = `repo/${i % 20}`;
        const value = valueOf(randomInt(0, maxEntryBytes + 400), i % 2 === 0);
        written.set(key, (written.get(key) ?? new Set()).add(value));
        const handle = handles[i % handles.length] as ReferrersCache;
        return (async () => {
          const stored = await handle.set(key, value, clock.time);
          await handle.get(`repo/${(i * 7) % 20}`); // uses interleaved with the writes shuffle the recency
          return { stored, bytes: byteLength(value) };
        })();
      });
      for (const { stored, bytes } of await Promise.all(writes)) expect(stored).toBe(bytes <= maxEntryBytes);

      let bytes = 0;
      let entries = 0;
      for (const [key, values] of written) {
        const found = await cache.get(key);
        if (found === null) continue;
        expect(values.has(found.value)).toBe(true);
        bytes += byteLength(found.value);
        entries += 1;
      }
      expect(entries).toBeGreaterThan(0);
      const usage = await cache.usage();
      expect(usage.bytes).toBeLessThanOrEqual(maxTotalBytes);
      expect(usage).toEqual({ entries, bytes });
    });

    it('stops returning and counting an entry expireAfterMs after its storedAt', async () => {
      const { cache, clock } = await subject({ expireAfterMs: 1000 });
      await cache.set('a', valueOf(10), clock.time);
      await cache.set('b', valueOf(20), clock.time - 500);
      clock.advance(499);
      expect((await cache.get('b'))?.storedAt).toBe(clock.time - 999);
      clock.advance(1);
      expect(await cache.get('b')).toBeNull();
      expect(await cache.usage()).toEqual({ entries: 1, bytes: 10 });
      expect((await cache.get('a'))?.value).toBe(valueOf(10));
      clock.advance(500);
      expect(await cache.get('a')).toBeNull();
      expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });

      // Stored again after expiring untouched: counted once, under the new storedAt.
      await cache.set('c', valueOf(30), clock.time);
      clock.advance(5000);
      await cache.set('c', valueOf(40), clock.time);
      expect(await cache.usage()).toEqual({ entries: 1, bytes: 40 });
      expect(await cache.get('c')).toEqual({ value: valueOf(40), storedAt: clock.time });

      // A value already past its expiry is accepted but not kept, and the older value goes.
      expect(await cache.set('c', valueOf(50), clock.time - 1000)).toBe(true);
      expect(await cache.get('c')).toBeNull();
      expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });
    });

    it('deletePrefix removes exactly the keys starting with the prefix, taken literally', async () => {
      const { cache, clock } = await subject();
      const keys = ['proj-1/a', 'proj-1/b/c', 'proj-12/a', 'proj-2/a', 'PROJ-1/a', 'x proj-1/a', 'glob*[1]?/a', 'globby/a', 'ünï/a', 'u/a'];
      for (const [i, key] of keys.entries()) await cache.set(key, valueOf(i + 1), clock.time);
      const remaining = new Set(keys);
      const expectRemaining = async () => {
        for (const key of keys) expect(key + ((await cache.get(key)) === null ? ' gone' : ' kept')).toBe(key + (remaining.has(key) ? ' kept' : ' gone'));
        const bytes = keys.reduce((sum, key, i) => sum + (remaining.has(key) ? i + 1 : 0), 0);
        expect(await cache.usage()).toEqual({ entries: remaining.size, bytes });
      };

      expect(await cache.deletePrefix('proj-1/')).toBe(2);
      remaining.delete('proj-1/a');
      remaining.delete('proj-1/b/c');
      await expectRemaining();
      expect(await cache.deletePrefix('glob*')).toBe(1);
      remaining.delete('glob*[1]?/a');
      expect(await cache.deletePrefix('ü')).toBe(1);
      remaining.delete('ünï/a');
      expect(await cache.deletePrefix('nothing/')).toBe(0);
      expect(await cache.deletePrefix('proj-1/')).toBe(0);
      await expectRemaining();
    });

    it('deletePrefix removes thousands of entries and leaves the others', async () => {
      const { cache, clock } = await subject();
      await Promise.all(Array.from({ length: 2500 }, (_, i) => cache.set(`many/${i}`, valueOf(5), clock.time)));
      await Promise.all(Array.from({ length: 300 }, (_, i) => cache.set(`keep/${i}`, valueOf(3), clock.time)));
      expect(await cache.usage()).toEqual({ entries: 2800, bytes: 2500 * 5 + 300 * 3 });
      expect(await cache.deletePrefix('many/')).toBe(2500);
      expect(await cache.usage()).toEqual({ entries: 300, bytes: 300 * 3 });
      expect(await cache.get('many/1234')).toBeNull();
      expect((await cache.get('keep/299'))?.value).toBe(valueOf(3));
    });

    it('counts values in UTF-8 bytes, not characters', async () => {
      const { cache, clock } = await subject({ maxEntryBytes: 12, maxTotalBytes: 24 });
      const accented = 'é'.repeat(6); // 6 UTF-16 units, 12 bytes
      const emoji = '😀😀😀'; // 6 units, 12 bytes
      const euros = '€€€€'; // 4 units, 12 bytes
      expect(await cache.set('a', accented, clock.time)).toBe(true);
      expect(await cache.usage()).toEqual({ entries: 1, bytes: 12 });
      expect(await cache.set('b', emoji, clock.time)).toBe(true);
      expect(await cache.set('c', euros, clock.time)).toBe(true); // 36 bytes > 24: a goes
      expect(await cache.usage()).toEqual({ entries: 2, bytes: 24 });
      expect(await cache.get('a')).toBeNull();
      expect(await cache.set('d', `${accented}x`, clock.time)).toBe(false); // 7 units, 13 bytes
      expect(await cache.get('b')).toEqual({ value: emoji, storedAt: clock.time });
      expect(await cache.get('c')).toEqual({ value: euros, storedAt: clock.time });
      expect(await cache.set('ключ', 'значение', clock.time)).toBe(false); // 16 bytes
      expect(await cache.set('ключ', 'знач', clock.time)).toBe(true);
      expect(await cache.get('ключ')).toEqual({ value: 'знач', storedAt: clock.time });
    });
  });
}
