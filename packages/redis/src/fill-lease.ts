import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import { DELETE_IF_OWNER, EXTEND_IF_OWNER } from './lock-scripts.js';
import type { RedisLogger } from './types.js';

export interface FillLeaseOptions {
  key: string;
  token: string;
  ttlMs: number;
  renewIntervalMs: number;
  logger?: RedisLogger;
}

/**
 * A held fill lock: extends its key every `renewIntervalMs` while the fill runs, so a long fill
 * keeps the lock and a dead holder's lock expires within one TTL. If a renewal finds the key gone
 * or someone else's, the lock is lost: that is logged and renewal stops (the fill carries on; at
 * worst another replica fetches the same blob too, and content-addressed writes make that harmless).
 */
export class RedisFillLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private released = false;
  private lostLock = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: FillLeaseOptions,
  ) {
    this.schedule();
  }

  /** True once a renewal or the release found the lock no longer ours. */
  get lost(): boolean {
    return this.lostLock;
  }

  /** Stop renewing and delete the key if it is still ours; another holder's lock is left alone. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    await this.renewing;
    const { key, token } = this.options;
    let deleted: unknown;
    try {
      deleted = await this.redis.eval(DELETE_IF_OWNER, 1, key, token);
    } catch (error) {
      // The key expires by itself within one TTL.
      throw new RedisUnavailableError(`releasing fill lock ${key}`, { cause: error });
    }
    if (deleted !== 1 && !this.lostLock) {
      this.lostLock = true;
      this.options.logger?.warn({ key, ttlMs: this.options.ttlMs }, 'fill lock had expired or been taken over before its release');
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.renewing = this.renew().finally(() => {
        this.renewing = undefined;
      });
    }, this.options.renewIntervalMs);
    // The fill keeps the process alive while it runs; the renewal timer alone must not.
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const { key, token, ttlMs, logger } = this.options;
    let extended: unknown;
    try {
      extended = await this.redis.eval(EXTEND_IF_OWNER, 1, key, token, ttlMs);
    } catch (error) {
      // Keep trying: Redis may be back before the key expires.
      if (!this.released) logger?.warn({ key, error: error instanceof Error ? error.message : String(error) }, 'fill lock renewal failed');
      if (!this.released) this.schedule();
      return;
    }
    if (this.released) return;
    if (extended === 1) {
      this.schedule();
      return;
    }
    this.lostLock = true;
    logger?.warn({ key, ttlMs }, 'fill lock lost: it expired or another replica took it over; another fill of this blob may run');
  }
}
