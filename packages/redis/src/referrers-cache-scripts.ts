import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

// Lua run atomically by Redis, one script per operation, so that reading the accounting and
// changing it can never interleave with another replica's operation: the byte budget holds exactly.
//
// Every script gets the same KEYS, all fixed names (so they can be declared, as Redis Cluster
// requires, and share a slot when the prefix carries a hash tag such as `{berth}:`):
//   KEYS[1] hash    cache key -> value (its size is HSTRLEN: the bytes Redis holds, nothing to drift)
//   KEYS[2] hash    cache key -> storedAt (ms since the epoch)
//   KEYS[3] zset    cache key -> last use, a tick of KEYS[4] (never wall time: replicas' clocks differ)
//   KEYS[4] counter the use clock
//   KEYS[5] counter bytes of all values in KEYS[1]
// None of them ever gets a TTL: a key Redis expired by itself would leave the counters wrong.

const PRELUDE = `
local values, stored, lru, clock, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

local function remove(key)
  local size = redis.call('hstrlen', values, key)
  if redis.call('hdel', values, key) == 0 then return 0 end
  redis.call('decrby', total, size)
  redis.call('hdel', stored, key)
  redis.call('zrem', lru, key)
  return 1
end

local function use(key)
  redis.call('zadd', lru, redis.call('incr', clock), key)
end
`;

/**
 * ARGV key, now, expireAfterMs, heldStoredAt ('' for none) → nil (absent or expired: then removed),
 * {storedAt} when the entry is the one the caller holds, else {value, storedAt}.
 */
export const GET_ENTRY = `${PRELUDE}
local key, now, expireAfter, held = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local storedAt = redis.call('hget', stored, key)
if not storedAt then return false end
if tonumber(storedAt) + expireAfter <= now then
  remove(key)
  return false
end
use(key)
if storedAt == held then return {storedAt} end
return {redis.call('hget', values, key), storedAt}
`;

/**
 * ARGV key, value, storedAt, now, expireAfterMs, maxEntryBytes, maxTotalBytes → 1 when accepted,
 * 0 when too big. The earlier value goes first in any case; an already expired value is accepted
 * but not stored.
 */
export const SET_ENTRY = `${PRELUDE}
local key, value, storedAt, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local expireAfter, maxEntry, maxTotal = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
remove(key)
local size = string.len(value)
if size > maxEntry then return 0 end
if tonumber(storedAt) + expireAfter <= now then return 1 end
local used = tonumber(redis.call('get', total) or '0')
while used + size > maxTotal do
  local oldest = redis.call('zrange', lru, 0, 0)
  -- Nothing left to evict yet no room: the keys were changed behind our back. Keep the budget.
  if #oldest == 0 then return 0 end
  remove(oldest[1])
  used = tonumber(redis.call('get', total))
end
redis.call('hset', values, key, value)
redis.call('hset', stored, key, storedAt)
redis.call('incrby', total, size)
use(key)
return 1
`;

/**
 * ARGV prefix, cursor, count → {next cursor, entries removed}: one ZSCAN step over the recency set,
 * removing the keys that start with the prefix (compared as bytes: no glob pattern to escape).
 */
export const DELETE_PREFIX_STEP = `
-- Before Redis 7, a script may write after a non-deterministic command (ZSCAN) only this way.
redis.replicate_commands()
${PRELUDE}
local prefix, cursor, count = ARGV[1], ARGV[2], ARGV[3]
local page = redis.call('zscan', lru, cursor, 'COUNT', count)
local removed = 0
local found = page[2]
for i = 1, #found, 2 do
  if string.sub(found[i], 1, #prefix) == prefix then removed = removed + remove(found[i]) end
end
return {page[1], removed}
`;

/** → {entries, bytes}, read together. */
export const USAGE = `${PRELUDE}
return {redis.call('zcard', lru), tonumber(redis.call('get', total) or '0')}
`;

/** A script sent by its SHA1 (EVALSHA), and in full only when Redis does not have it cached yet. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
