import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes, randomInt } from 'node:crypto';
import { InMemoryReferrersCache } from '@berth/core';
import { RedisReferrersCache, RedisUnavailableError, closeRedisClient, createRedisClient, type Redis } from '@berth/redis';
import { freePort } from '../harness/ports.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { referrersCacheContract } from './referrers-cache-contract.js';

// Both referrers caches against one contract; then what only the Redis one has: its keys, its
// scripts, its failures. Every Redis cache gets a key prefix of its own, so tests never share entries.

let server: TestRedis;
let admin: Redis;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedis();
  admin = client();
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => closeRedisClient(c)));
  await server?.stop();
});

function client(): Redis {
  const created = createRedisClient(server.url);
  clients.push(created);
  return created;
}

const prefix = () => `test-${randomBytes(4).toString('hex')}:`;
const LIMITS = { maxEntryBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024, expireAfterMs: 60_000 };

referrersCacheContract('RedisReferrersCache', async (limits, now) => {
  const keyPrefix = prefix();
  // Each handle on a client of its own, as replicas are: their scripts interleave on the server.
  const open = () => new RedisReferrersCache(client(), { keyPrefix, limits: { ...LIMITS, ...limits }, now });
  return { cache: open(), peer: open };
});

referrersCacheContract('InMemoryReferrersCache', async (limits, now) => {
  const cache = new InMemoryReferrersCache(limits, now);
  return { cache, peer: () => cache };
});

describe('RedisReferrersCache', () => {
  /** Everything the cache keeps, read behind its back. */
  async function stored(keyPrefix: string) {
    const base = `${keyPrefix}rc:`;
    const fields = await admin.hkeys(`${base}values`);
    const sizes = await Promise.all(fields.map((field) => admin.hstrlen(`${base}values`, field)));
    return {
      keys: (await admin.keys(`${keyPrefix}*`)).sort(),
      ttls: await Promise.all((await admin.keys(`${keyPrefix}*`)).map((key) => admin.pttl(key))),
      valueBytes: sizes.reduce((sum, size) => sum + size, 0),
      counter: Number(await admin.get(`${base}bytes`)),
      values: fields.length,
      storedAts: await admin.hlen(`${base}stored-at`),
      ranked: await admin.zcard(`${base}lru`),
    };
  }

  it('keeps its accounting in five <prefix>rc: keys without TTLs, the counter equal to the bytes held', async () => {
    const keyPrefix = prefix();
    const limits = { maxEntryBytes: 3000, maxTotalBytes: 10_000, expireAfterMs: 1000 };
    let time = 1_000_000;
    const replicas = Array.from({ length: 4 }, () => new RedisReferrersCache(client(), { keyPrefix, limits, now: () => time }));
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const replica = replicas[i % replicas.length] as RedisReferrersCache;
        await replica.set(`r/${i % 40}`, 'ü'.repeat(randomInt(0, 1600)), time - randomInt(0, 1000));
        await replica.get(`r/${randomInt(0, 40)}`);
        if (i % 50 === 49) await replica.deletePrefix(`r/${i % 4}`);
      }),
    );
    time += 500; // some entries expire; the gets below drop them
    await Promise.all(Array.from({ length: 40 }, (_, i) => replicas[0]?.get(`r/${i}`)));
    await replicas[2]?.set('fresh', 'ü', time); // so that no structure is empty (Redis removes empty ones)

    const state = await stored(keyPrefix);
    expect(state.keys).toEqual(['bytes', 'clock', 'lru', 'stored-at', 'values'].map((name) => `${keyPrefix}rc:${name}`));
    expect(state.ttls).toEqual([-1, -1, -1, -1, -1]);
    expect(state.counter).toBe(state.valueBytes);
    expect(state.counter).toBeLessThanOrEqual(limits.maxTotalBytes);
    expect(state.storedAts).toBe(state.values);
    expect(state.ranked).toBe(state.values);
    expect(await replicas[1]?.usage()).toEqual({ entries: state.values, bytes: state.valueBytes });
  });

  it('names its keys berth:rc:* by default', async () => {
    const cache = new RedisReferrersCache(client(), { limits: LIMITS });
    await cache.set('default-prefix', 'v', Date.now());
    expect(await admin.hget('berth:rc:values', 'default-prefix')).toBe('v');
    expect(await cache.deletePrefix('default-prefix')).toBe(1);
  });

  it('sends its scripts again after Redis forgot them', async () => {
    const cache = new RedisReferrersCache(client(), { keyPrefix: prefix(), limits: LIMITS });
    await cache.set('k', 'one', Date.now());
    await admin.script('FLUSH');
    expect((await cache.get('k'))?.value).toBe('one');
    await admin.script('FLUSH');
    expect(await cache.set('k', 'two', Date.now())).toBe(true);
    expect(await cache.usage()).toEqual({ entries: 1, bytes: 3 });
  });

  it('throws RedisUnavailableError from every operation when Redis cannot be reached', async () => {
    const port = await freePort(); // nothing listens there
    const unreachable = createRedisClient(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0 });
    clients.push(unreachable);
    const cache = new RedisReferrersCache(unreachable, { limits: LIMITS });
    await expect(cache.get('k')).rejects.toThrow(RedisUnavailableError);
    await expect(cache.set('k', 'v', Date.now())).rejects.toThrow(/storing referrers cache entry k: Redis unavailable/);
    await expect(cache.deletePrefix('k')).rejects.toThrow(RedisUnavailableError);
    await expect(cache.usage()).rejects.toThrow(RedisUnavailableError);
  });
});
