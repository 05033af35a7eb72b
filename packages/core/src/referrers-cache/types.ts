/**
 * The cache of upstream referrers lists (see docs/architecture.md, "Referrers"): a key-value store
 * bounded in bytes, shared by the replicas when Redis is configured, in process memory otherwise.
 * Both implementations have the same semantics and pass the same contract tests.
 *
 * - Values are opaque strings (the serialized, unfiltered upstream list); their size is the UTF-8
 *   byte length of the value.
 * - A value longer than `maxEntryBytes` is not stored (`set` answers false) and any earlier value
 *   of that key is removed, so an older, smaller list never outlives a newer one too big to cache.
 * - The sum of the stored values' sizes never exceeds `maxTotalBytes`, whatever the concurrency: a
 *   `set` that would exceed it first evicts least recently used entries (a `get` that finds an entry
 *   counts as a use; so does the `set` that stored it).
 * - Entries carry the time they were stored (`storedAt`, ms since the epoch, chosen by the caller)
 *   and are dropped `expireAfterMs` after it (the stale TTL): `get` no longer returns them and they
 *   stop counting against the budget at the latest when next touched or evicted.
 * - Nothing depends on Redis's own eviction policy (BullMQ shares the Redis and needs `noeviction`).
 */
export interface ReferrersCache {
  /**
   * The entry (a use, for LRU), or null. With `heldStoredAt`, the storedAt of a value the caller
   * already holds: when the entry is still that one, only `{ storedAt, unchanged: true }` comes back,
   * sparing the value's transfer (from Redis) on every request.
   */
  get(key: string): Promise<CachedReferrers | null>;
  get(key: string, heldStoredAt: number | undefined): Promise<CachedReferrers | UnchangedReferrers | null>;
  /**
   * Store `value` for `key`; false (and the key removed) when the value exceeds maxEntryBytes. A value
   * whose storedAt is already `expireAfterMs` in the past is accepted (true) but not kept: the key is
   * removed and nothing is evicted for it.
   */
  set(key: string, value: string, storedAt: number): Promise<boolean>;
  /** Remove every entry whose key starts with `prefix` (an admin purge, a project's switch turned off); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Entries and bytes counted against the budget right now. */
  usage(): Promise<{ entries: number; bytes: number }>;
}

export interface CachedReferrers {
  value: string;
  storedAt: number;
}

export interface UnchangedReferrers {
  storedAt: number;
  unchanged: true;
}

export interface ReferrersCacheLimits {
  /** Largest value stored (default 1 MiB). */
  maxEntryBytes: number;
  /** Budget for all values together (default 64 MiB). */
  maxTotalBytes: number;
  /** Entries are dropped this long after storedAt (the stale TTL; default 7 days). */
  expireAfterMs: number;
}

export const DEFAULT_REFERRERS_CACHE_LIMITS: ReferrersCacheLimits = {
  maxEntryBytes: 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  expireAfterMs: 7 * 24 * 60 * 60 * 1000,
};
