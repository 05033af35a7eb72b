export { createRedisClient, closeRedisClient } from './client.js';
export type { RedisClientOptions } from './client.js';
export { RedisFillLock, DEFAULT_FILL_LOCK_TTL_MS } from './fill-lock.js';
export type { RedisFillLockOptions } from './fill-lock.js';
export { RedisFillLease } from './fill-lease.js';
export { RedisUnavailableError } from './errors.js';
export type { RedisLogger } from './types.js';
export type { Redis } from 'ioredis';
