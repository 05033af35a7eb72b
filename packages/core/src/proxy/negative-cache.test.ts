import { describe, it, expect } from '@jest/globals';
import { NegativeCache } from './negative-cache.js';
import { SingleFlight } from './single-flight.js';

describe('NegativeCache', () => {
  it('forgets entries after their TTL and bounds its size', () => {
    let now = 1000;
    const cache = new NegativeCache(2, () => now);
    cache.add('a', 100);
    cache.add('zero', 0);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('zero')).toBe(false);
    now += 100;
    expect(cache.has('a')).toBe(false);
    cache.add('b', 100);
    cache.add('c', 100);
    cache.add('d', 100);
    expect([cache.has('b'), cache.has('c'), cache.has('d')]).toEqual([false, true, true]);
    cache.delete('c');
    expect(cache.has('c')).toBe(false);
  });
});

describe('SingleFlight', () => {
  it('runs concurrent work for one key once and tells the joiners', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    let release: (value: number) => void = () => undefined;
    const work = () => {
      calls += 1;
      return new Promise<number>((resolve) => { release = resolve; });
    };
    const all = Promise.all([flight.run('k', work), flight.run('k', work), flight.run('other', async () => 7)]);
    release(42);
    const [first, second, other] = await all;
    expect(calls).toBe(1);
    expect(first).toEqual({ value: 42, joined: false });
    expect(second).toEqual({ value: 42, joined: true });
    expect(other).toEqual({ value: 7, joined: false });
    await flight.run('k', async () => 1).then((result) => expect(result.joined).toBe(false));
  });
});
