export { InMemoryReferrersCache } from './in-memory.js';
export { DEFAULT_REFERRERS_CACHE_LIMITS, type CachedReferrers, type UnchangedReferrers, type ReferrersCache, type ReferrersCacheLimits } from './types.js';
