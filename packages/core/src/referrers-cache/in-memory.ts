import { DEFAULT_REFERRERS_CACHE_LIMITS, type CachedReferrers, type ReferrersCache, type ReferrersCacheLimits, type UnchangedReferrers } from './types.js';

interface Entry {
  value: string;
  storedAt: number;
  /** UTF-8 bytes of `value`, as counted against the budget. */
  bytes: number;
}

/**
 * The referrers cache in process memory, for a Berth without Redis. The Map's insertion order is
 * the recency order: a use deletes and re-inserts the entry, so the first entry is always the
 * least recently used one and eviction walks the Map from its start.
 */
export class InMemoryReferrersCache implements ReferrersCache {
  private readonly limits: ReferrersCacheLimits;
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    limits: Partial<ReferrersCacheLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = checkedLimits(withDefaults(limits));
  }

  get(key: string): Promise<CachedReferrers | null>;
  get(key: string, heldStoredAt: number | undefined): Promise<CachedReferrers | UnchangedReferrers | null>;
  async get(key: string, heldStoredAt?: number): Promise<CachedReferrers | UnchangedReferrers | null> {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (this.expired(entry.storedAt)) {
      this.remove(key);
      return null;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (entry.storedAt === heldStoredAt) return { storedAt: entry.storedAt, unchanged: true };
    return { value: entry.value, storedAt: entry.storedAt };
  }

  async set(key: string, value: string, storedAt: number): Promise<boolean> {
    if (!Number.isFinite(storedAt)) throw new RangeError(`referrers cache storedAt must be a finite number, got ${storedAt}`);
    this.remove(key);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.limits.maxEntryBytes) return false;
    // Already past its expiry: nothing to store, and no live entry is evicted for it.
    if (this.expired(storedAt)) return true;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes + bytes <= this.limits.maxTotalBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    this.entries.set(key, { value, storedAt, bytes });
    this.bytes += bytes;
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    let removed = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix) && this.remove(key)) removed += 1;
    }
    return removed;
  }

  async usage(): Promise<{ entries: number; bytes: number }> {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private expired(storedAt: number): boolean {
    return storedAt + this.limits.expireAfterMs <= this.now();
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    return true;
  }
}

/** The given limits, the defaults for the others (a limit given as undefined too). */
function withDefaults(limits: Partial<ReferrersCacheLimits>): ReferrersCacheLimits {
  return {
    maxEntryBytes: limits.maxEntryBytes ?? DEFAULT_REFERRERS_CACHE_LIMITS.maxEntryBytes,
    maxTotalBytes: limits.maxTotalBytes ?? DEFAULT_REFERRERS_CACHE_LIMITS.maxTotalBytes,
    expireAfterMs: limits.expireAfterMs ?? DEFAULT_REFERRERS_CACHE_LIMITS.expireAfterMs,
  };
}

/** Limits that can hold at least one entry of the largest size, or a RangeError. */
function checkedLimits(limits: ReferrersCacheLimits): ReferrersCacheLimits {
  const { maxEntryBytes, maxTotalBytes, expireAfterMs } = limits;
  if (!Number.isSafeInteger(maxEntryBytes) || maxEntryBytes < 0) {
    throw new RangeError(`referrers cache maxEntryBytes must be a non-negative integer, got ${maxEntryBytes}`);
  }
  if (!Number.isSafeInteger(maxTotalBytes) || maxTotalBytes < maxEntryBytes) {
    throw new RangeError(`referrers cache maxTotalBytes must be an integer of at least maxEntryBytes (${maxEntryBytes}), got ${maxTotalBytes}`);
  }
  if (!Number.isSafeInteger(expireAfterMs) || expireAfterMs < 1) {
    throw new RangeError(`referrers cache expireAfterMs must be a positive integer, got ${expireAfterMs}`);
  }
  return limits;
}
