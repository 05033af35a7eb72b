import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import { DELETE_PREFIX_STEP, GET_ENTRY, LuaScript, SET_ENTRY, USAGE } from './referrers-cache-scripts.js';

// The shapes of core's ReferrersCache port, repeated here: this package does not depend on core.

export interface CachedReferrers {
  value: string;
  storedAt: number;
}

export interface UnchangedReferrers {
  storedAt: number;
  unchanged: true;
}

export interface ReferrersCacheLimits {
  /** Largest value stored, in UTF-8 bytes. */
  maxEntryBytes: number;
  /** Budget for all values together, in UTF-8 bytes. */
  maxTotalBytes: number;
  /** Entries are dropped this long after their storedAt. */
  expireAfterMs: number;
}

export interface RedisReferrersCacheOptions {
  /** Prepended to every key (default `berth:`); the cache's keys are `<prefix>rc:*`. */
  keyPrefix?: string;
  /**
   * Taken as given: the app passes the validated `referrersCache` configuration (core's
   * InMemoryReferrersCache holds the defaults and the checks for callers without one).
   */
  limits: ReferrersCacheLimits;
  /** The clock that decides expiry, passed to every script (tests control time with it). */
  now?: () => number;
}

/** Recency-set entries a purge step looks at: each step is one script, so this bounds how long it blocks Redis. */
const PURGE_STEP_COUNT = 1000;

const getEntry = new LuaScript(GET_ENTRY);
const setEntry = new LuaScript(SET_ENTRY);
const deletePrefixStep = new LuaScript(DELETE_PREFIX_STEP);
const readUsage = new LuaScript(USAGE);

/**
 * The referrers cache shared by the replicas on Redis; core's `ReferrersCache` port, structurally.
 * Each operation is one Lua script (see referrers-cache-scripts.ts), so the byte budget is exact
 * however many replicas write at once. Recency is a Redis-side use counter, expiry is checked
 * against `now()` of the calling replica, and nothing relies on Redis key expiry or its maxmemory
 * policy. Any failure to ask Redis throws RedisUnavailableError.
 */
export class RedisReferrersCache {
  private readonly limits: ReferrersCacheLimits;
  private readonly keys: readonly string[];
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    options: RedisReferrersCacheOptions,
  ) {
    const prefix = `${options.keyPrefix ?? 'berth:'}rc:`;
    this.keys = [`${prefix}values`, `${prefix}stored-at`, `${prefix}lru`, `${prefix}clock`, `${prefix}bytes`];
    this.limits = options.limits;
    this.now = options.now ?? Date.now;
  }

  get(key: string): Promise<CachedReferrers | null>;
  get(key: string, heldStoredAt: number | undefined): Promise<CachedReferrers | UnchangedReferrers | null>;
  async get(key: string, heldStoredAt?: number): Promise<CachedReferrers | UnchangedReferrers | null> {
    const held = heldStoredAt === undefined ? '' : String(heldStoredAt);
    const reply = await this.run(`reading referrers cache entry ${key}`, getEntry, [key, this.now(), this.limits.expireAfterMs, held]);
    if (reply === null) return null;
    if (Array.isArray(reply) && reply.length === 1 && typeof reply[0] === 'string') return { storedAt: Number(reply[0]), unchanged: true };
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') throw unexpected('get', reply);
    return { value: reply[0], storedAt: Number(reply[1]) };
  }

  /** Store `value` for `key`; false (and the key removed) when the value exceeds maxEntryBytes. */
  async set(key: string, value: string, storedAt: number): Promise<boolean> {
    if (!Number.isFinite(storedAt)) throw new RangeError(`referrers cache storedAt must be a finite number, got ${storedAt}`);
    const { expireAfterMs, maxEntryBytes, maxTotalBytes } = this.limits;
    const reply = await this.run(`storing referrers cache entry ${key}`, setEntry, [
      key,
      value,
      String(storedAt),
      this.now(),
      expireAfterMs,
      maxEntryBytes,
      maxTotalBytes,
    ]);
    if (reply !== 0 && reply !== 1) throw unexpected('set', reply);
    return reply === 1;
  }

  /**
   * Remove every entry whose key starts with `prefix`; returns how many. Done in steps of one
   * script each, so a purge of a large cache never blocks Redis (shared with the fill locks and
   * BullMQ) for long. An entry stored under the prefix while the purge runs may survive it.
   */
  async deletePrefix(prefix: string): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const reply = await this.run(`purging referrers cache entries under ${prefix}`, deletePrefixStep, [prefix, cursor, PURGE_STEP_COUNT]);
      if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'number') throw unexpected('deletePrefix', reply);
      cursor = reply[0];
      removed += reply[1];
    } while (cursor !== '0');
    return removed;
  }

  /** Entries and bytes counted against the budget right now. */
  async usage(): Promise<{ entries: number; bytes: number }> {
    const reply = await this.run('reading referrers cache usage', readUsage, []);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') throw unexpected('usage', reply);
    return { entries: reply[0], bytes: reply[1] };
  }

  private async run(what: string, script: LuaScript, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await script.run(this.redis, this.keys, args);
    } catch (error) {
      throw new RedisUnavailableError(what, { cause: error });
    }
  }
}

function unexpected(operation: string, reply: unknown): Error {
  return new Error(`referrers cache ${operation}: unexpected reply from Redis ${JSON.stringify(reply)}`);
}
