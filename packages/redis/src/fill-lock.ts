import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import { RedisFillLease } from './fill-lease.js';
import type { RedisLogger } from './types.js';

export interface RedisFillLockOptions {
  /** Prepended to every key (default `berth:`); the lock for a digest is `<prefix>fill:<digest>`. */
  keyPrefix?: string;
  /** How long a lock outlives its last renewal, i.e. how soon a dead holder's lock is free (default 30 s). */
  ttlMs?: number;
  /** How often a held lock is extended (default ttlMs / 3, so two renewals may fail before it expires). */
  renewIntervalMs?: number;
  logger?: RedisLogger;
}

export const DEFAULT_FILL_LOCK_TTL_MS = 30_000;

/**
 * Cross-replica exclusion of blob fills on Redis; core's `FillLock` port, structurally. A lock is
 * `SET <prefix>fill:<digest> <random token> NX PX <ttl>`, renewed while held and deleted on
 * release only if it still holds the same token.
 *
 * When Redis cannot be reached, `acquire` throws RedisUnavailableError after the client's bounded
 * wait, and the fill fails: serving every replica's own upstream fetch silently would defeat the
 * lock exactly when it matters (many replicas, one cold blob).
 */
export class RedisFillLock {
  private readonly keyPrefix: string;
  private readonly ttlMs: number;
  private readonly renewIntervalMs: number;
  private readonly logger: RedisLogger | undefined;

  constructor(
    private readonly redis: Redis,
    options: RedisFillLockOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'berth:';
    this.ttlMs = options.ttlMs ?? DEFAULT_FILL_LOCK_TTL_MS;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.floor(this.ttlMs / 3);
    this.logger = options.logger;
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs < 1) throw new RangeError(`fill lock ttlMs must be a positive integer, got ${this.ttlMs}`);
    if (!(this.renewIntervalMs >= 1 && this.renewIntervalMs < this.ttlMs)) {
      throw new RangeError(`fill lock renewIntervalMs must be at least 1 and below ttlMs (${this.ttlMs}), got ${this.renewIntervalMs}`);
    }
  }

  /** The Redis key locking fills of `digest`. */
  keyFor(digest: string): string {
    return `${this.keyPrefix}fill:${digest}`;
  }

  /** The lease, or null while another holder (any replica) has the lock. Throws when Redis is unavailable. */
  async acquire(digest: string): Promise<RedisFillLease | null> {
    const key = this.keyFor(digest);
    const token = randomBytes(16).toString('hex');
    let answer: 'OK' | null;
    try {
      answer = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    } catch (error) {
      throw new RedisUnavailableError(`taking the fill lock for ${digest}`, { cause: error });
    }
    if (answer !== 'OK') return null;
    return new RedisFillLease(this.redis, {
      key,
      token,
      ttlMs: this.ttlMs,
      renewIntervalMs: this.renewIntervalMs,
      ...(this.logger !== undefined ? { logger: this.logger } : {}),
    });
  }
}
