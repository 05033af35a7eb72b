import type { BerthConfig } from '@berth/config';
import { BullJobQueue } from '@berth/jobs';
import type { Redis, RedisContentVersions, RedisFillLock, RedisReferrersCache } from '@berth/redis';
import type { Logger } from 'pino';
import { referrersCacheLimits } from './referrers-cache.js';

/** The client on the configured Redis and the drivers built on it, shared by the replicas. */
export interface RedisDrivers {
  client: Redis;
  referrersCache: RedisReferrersCache;
  /** Signature verdicts shared by the replicas: the same bounded cache under its own prefix and budget. */
  verdictCache: RedisReferrersCache;
  contentVersions: RedisContentVersions;
  /** Replicas take a lock per blob fill, so each uncached blob is fetched from upstream once. */
  fillLock: RedisFillLock;
  /** Stop listening for content changes, then close the client (after the fills drained). */
  close(): Promise<void>;
}

/**
 * With redis.url set, import what Redis needs (`@berth/redis` with ioredis, and BullMQ for the job
 * queue) ahead of opening it: see openRuntime for why early. Nothing connects yet.
 */
export async function preloadRedisDrivers(config: BerthConfig): Promise<void> {
  if (config.redis.url === undefined) return;
  // One after the other: Jest's ESM loader fails two concurrent imports sharing a module.
  await import('@berth/redis');
  await BullJobQueue.preload();
}

/** Verdicts are small (a line per signature); they are reached again after a day unused or when the budget is spent. */
const VERDICT_CACHE_LIMITS = { maxEntryBytes: 256 * 1024, maxTotalBytes: 16 * 1024 * 1024, expireAfterMs: 24 * 60 * 60 * 1000 };

/**
 * The Redis drivers when redis.url is set, else undefined. `@berth/redis` (with ioredis, ~20 MB
 * of resident memory) is imported only then: an embedded Berth never loads it.
 */
export async function openRedisDrivers(config: BerthConfig, logger: Logger): Promise<RedisDrivers | undefined> {
  const { url, keyPrefix, fillLockTtlSeconds } = config.redis;
  if (url === undefined) return undefined;
  const { RedisContentVersions, RedisFillLock, RedisReferrersCache, closeRedisClient, createRedisClient } = await import('@berth/redis');
  const client = createRedisClient(url, { logger });
  const contentVersions = new RedisContentVersions(client, { keyPrefix });
  return {
    client,
    referrersCache: new RedisReferrersCache(client, { keyPrefix, limits: referrersCacheLimits(config) }),
    verdictCache: new RedisReferrersCache(client, { keyPrefix: `${keyPrefix}sv:`, limits: VERDICT_CACHE_LIMITS }),
    contentVersions,
    fillLock: new RedisFillLock(client, { keyPrefix, ttlMs: fillLockTtlSeconds * 1000, logger }),
    async close() {
      await contentVersions.close();
      await closeRedisClient(client);
    },
  };
}
