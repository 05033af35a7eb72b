import type { BerthConfig } from '@berth/config';
import { InMemoryReferrersCache, type ReferrersCache, type ReferrersCacheLimits } from '@berth/core';
import { RedisReferrersCache, type Redis } from '@berth/redis';

/** The upstream referrers cache: on Redis when configured (shared by the replicas), else in memory. */
export function createReferrersCache(config: BerthConfig, redis: Redis | undefined): ReferrersCache {
  const { maxListBytes, maxTotalBytes, staleTtlSeconds } = config.referrersCache;
  const limits: ReferrersCacheLimits = { maxEntryBytes: maxListBytes, maxTotalBytes, expireAfterMs: staleTtlSeconds * 1000 };
  return redis !== undefined ? new RedisReferrersCache(redis, { keyPrefix: config.redis.keyPrefix, limits }) : new InMemoryReferrersCache(limits);
}
