import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisFillLock, RedisUnavailableError, closeRedisClient, createRedisClient, type Redis, type RedisLogger } from '@berth/redis';
import { freePort } from '../harness/ports.js';
import { startRedis, type TestRedis } from '../harness/redis.js';

// RedisFillLock against a real redis-server. Each "replica" is a lock on its own client, as two
// Berth processes would have; `admin` is a third client that inspects and tampers with keys.

let server: TestRedis;
let admin: Redis;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedis();
  admin = client();
});

afterEach(async () => {
  await Promise.all(clients.splice(1).map((c) => closeRedisClient(c)));
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

/** Records warnings so a test can tell a lost lock (or a failed renewal) was reported. */
function recordingLogger(): RedisLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (_fields, message) => void warnings.push(message) };
}

const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
/** A key prefix of its own per test, so tests never see each other's locks. */
const prefix = () => `test-${randomBytes(4).toString('hex')}:`;

describe('RedisFillLock', () => {
  it('grants one holder per digest across replicas and frees the digest on release', async () => {
    const keyPrefix = prefix();
    const replicaA = new RedisFillLock(client(), { keyPrefix, ttlMs: 10_000 });
    const replicaB = new RedisFillLock(client(), { keyPrefix, ttlMs: 10_000 });
    const d = digest();

    const lease = await replicaA.acquire(d);
    expect(lease).not.toBeNull();
    const key = `${keyPrefix}fill:${d}`;
    expect(replicaA.keyFor(d)).toBe(key);
    expect(await admin.get(key)).toMatch(/^[0-9a-f]{32}$/);
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(10_000);

    expect(await replicaB.acquire(d)).toBeNull();
    expect(await replicaA.acquire(d)).toBeNull();
    const other = await replicaB.acquire(digest());
    expect(other).not.toBeNull();

    await lease?.release();
    expect(await admin.exists(key)).toBe(0);
    const taken = await replicaB.acquire(d);
    expect(taken).not.toBeNull();
    await lease?.release(); // a second release is a no-op: it must not free B's lock
    expect(await admin.exists(key)).toBe(1);
    await taken?.release();
    await other?.release();
  });

  it('names keys berth:fill:<digest> by default', () => {
    const d = digest();
    expect(new RedisFillLock(admin).keyFor(d)).toBe(`berth:fill:${d}`);
  });

  it('lets another replica take over once a holder that stopped renewing lets the lock expire', async () => {
    const keyPrefix = prefix();
    const holderClient = client();
    const logger = recordingLogger();
    // Redis measures the TTL in real time: long enough that the checks right after acquiring
    // (a few round trips) never race it on a busy machine.
    const ttlMs = 3000;
    const holder = new RedisFillLock(holderClient, { keyPrefix, ttlMs, logger });
    const waiter = new RedisFillLock(client(), { keyPrefix, ttlMs });
    const d = digest();

    const lease = await holder.acquire(d);
    const acquiredAt = Date.now();
    expect(lease).not.toBeNull();
    // The holder's process is gone as far as Redis is concerned: its renewals can no longer arrive.
    holderClient.disconnect();

    expect(await waiter.acquire(d)).toBeNull();
    let takeover = null;
    while (takeover === null && Date.now() - acquiredAt < ttlMs * 5) {
      takeover = await waiter.acquire(d);
      if (takeover === null) await sleep(25);
    }
    expect(takeover).not.toBeNull();
    expect(Date.now() - acquiredAt).toBeGreaterThanOrEqual(ttlMs - 50);
    expect(logger.warnings).toContain('fill lock renewal failed');

    // The dead holder cannot reach Redis to release; its lease says so instead of pretending.
    await expect(lease?.release()).rejects.toThrow(RedisUnavailableError);
    expect(await admin.exists(waiter.keyFor(d))).toBe(1);
    await takeover?.release();
  });

  it('keeps a held lock past its TTL by renewing it', async () => {
    const keyPrefix = prefix();
    const logger = recordingLogger();
    // Renewed every ttl/3: only a stall of a whole TTL (2 s) would let it lapse.
    const ttlMs = 2000;
    const holder = new RedisFillLock(client(), { keyPrefix, ttlMs, logger });
    const other = new RedisFillLock(client(), { keyPrefix, ttlMs });
    const d = digest();

    const lease = await holder.acquire(d);
    expect(lease).not.toBeNull();
    await sleep(ttlMs * 2.5);
    expect(await other.acquire(d)).toBeNull();
    expect(await admin.pttl(holder.keyFor(d))).toBeGreaterThan(0);
    expect(lease?.lost).toBe(false);
    expect(logger.warnings).toEqual([]);

    await lease?.release();
    const next = await other.acquire(d);
    expect(next).not.toBeNull();
    await next?.release();
  });

  it('never extends nor deletes a lock another replica took over after ours expired', async () => {
    const keyPrefix = prefix();
    const logger = recordingLogger();
    const ttlMs = 900;
    const holder = new RedisFillLock(client(), { keyPrefix, ttlMs, logger });
    const other = new RedisFillLock(client(), { keyPrefix, ttlMs: 120_000 });
    const d = digest();
    const key = holder.keyFor(d);

    const lease = await holder.acquire(d);
    expect(lease).not.toBeNull();
    // As if the holder had stalled past its TTL: the key expires, and another replica takes it.
    await admin.del(key);
    const takeover = await other.acquire(d);
    expect(takeover).not.toBeNull();
    const theirToken = await admin.get(key);

    // The holder's next renewal (every ttl/3) finds someone else's token and gives up; waited for,
    // with a bound only a hung process would reach.
    const deadline = Date.now() + 60_000;
    while (lease?.lost !== true && Date.now() < deadline) await sleep(25);
    expect(lease?.lost).toBe(true);
    expect(logger.warnings.some((message) => message.startsWith('fill lock lost'))).toBe(true);
    expect(await admin.get(key)).toBe(theirToken);
    expect(await admin.pttl(key)).toBeGreaterThan(ttlMs); // still the 120 s TTL, not extended to ours

    await lease?.release();
    expect(await admin.get(key)).toBe(theirToken);
    await takeover?.release();
    expect(await admin.exists(key)).toBe(0);
  });

  it('reports a lock lost before release when no renewal noticed it', async () => {
    const keyPrefix = prefix();
    const logger = recordingLogger();
    const holder = new RedisFillLock(client(), { keyPrefix, ttlMs: 60_000, logger });
    const other = new RedisFillLock(client(), { keyPrefix, ttlMs: 60_000 });
    const d = digest();

    const lease = await holder.acquire(d);
    await admin.del(holder.keyFor(d));
    const takeover = await other.acquire(d);
    await lease?.release();
    expect(lease?.lost).toBe(true);
    expect(logger.warnings).toEqual(['fill lock had expired or been taken over before its release']);
    expect(await admin.exists(holder.keyFor(d))).toBe(1);
    await takeover?.release();
  });

  it('throws RedisUnavailableError from acquire when Redis cannot be reached', async () => {
    const port = await freePort(); // nothing listens there
    const logger = recordingLogger();
    const unreachable = createRedisClient(`redis://127.0.0.1:${port}`, { logger });
    clients.push(unreachable);
    const lock = new RedisFillLock(unreachable);
    const startedAt = Date.now();
    await expect(lock.acquire(digest())).rejects.toThrow(RedisUnavailableError);
    await expect(lock.acquire(digest())).rejects.toThrow(/taking the fill lock for sha256:[0-9a-f]{64}: Redis unavailable/);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    // One warning for the outage, not one per reconnection attempt.
    expect(logger.warnings).toEqual(['redis unreachable; retrying in the background']);
  });

  it('refuses a renewal interval that would let the lock expire between renewals', () => {
    expect(() => new RedisFillLock(admin, { ttlMs: 1000, renewIntervalMs: 1000 })).toThrow(RangeError);
    expect(() => new RedisFillLock(admin, { ttlMs: 0 })).toThrow(RangeError);
  });
});
