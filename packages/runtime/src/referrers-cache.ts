import type { BerthConfig } from '@berth/config';
import { InMemoryReferrersCache, type ReferrersCache, type ReferrersCacheLimits } from '@berth/core';

/** How much the upstream referrers cache holds and for how long, on Redis or in memory alike. */
export function referrersCacheLimits(config: BerthConfig): ReferrersCacheLimits {
  const { maxListBytes, maxTotalBytes, staleTtlSeconds } = config.referrersCache;
  return { maxEntryBytes: maxListBytes, maxTotalBytes, expireAfterMs: staleTtlSeconds * 1000 };
}

/** The upstream referrers cache: the Redis one when configured (shared by the replicas), else in memory. */
export function createReferrersCache(config: BerthConfig, onRedis: ReferrersCache | undefined): ReferrersCache {
  return onRedis ?? new InMemoryReferrersCache(referrersCacheLimits(config));
}
