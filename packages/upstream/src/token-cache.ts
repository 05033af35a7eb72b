/** A bearer token and when to stop using it (epoch milliseconds). */
export interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens are dropped this long before they expire, so none expires on its way to the upstream. */
export const MAX_EARLY_REFRESH_MS = 10_000;
/** The token spec's default lifetime when the answer has no `expires_in`. */
export const DEFAULT_TOKEN_LIFETIME_S = 60;

/** When a token issued at `now` with a lifetime of `expiresInS` should be refreshed. */
export function refreshAt(now: number, expiresInS: number | undefined): number {
  const lifetimeMs = (expiresInS !== undefined && Number.isFinite(expiresInS) && expiresInS > 0 ? expiresInS : DEFAULT_TOKEN_LIFETIME_S) * 1000;
  // A tenth of the lifetime early, at most MAX_EARLY_REFRESH_MS: a 60 s token is used for 54 s.
  return now + lifetimeMs - Math.min(MAX_EARLY_REFRESH_MS, lifetimeMs / 10);
}

/**
 * Bearer tokens by key (realm, service and scope), each until shortly before it expires.
 * Concurrent callers needing the same missing token share one fetch.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Entries kept at most; the oldest is dropped first (a proxy may see many repositories). */
    private readonly maxEntries = 10_000,
  ) {}

  /** A token still fresh for `key`, if any. */
  peek(key: string): string | undefined {
    const entry = this.tokens.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /** The fresh token for `key`, fetching one (once, however many callers wait) when there is none. */
  async get(key: string, fetchToken: () => Promise<CachedToken>): Promise<string> {
    const fresh = this.peek(key);
    if (fresh !== undefined) return fresh;
    let inFlight = this.pending.get(key);
    if (inFlight === undefined) {
      inFlight = fetchToken().finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
      const entry = await inFlight;
      this.set(key, entry);
      return entry.token;
    }
    return (await inFlight).token;
  }

  set(key: string, entry: CachedToken): void {
    this.tokens.delete(key);
    if (this.tokens.size >= this.maxEntries) {
      const oldest = this.tokens.keys().next();
      if (oldest.done !== true) this.tokens.delete(oldest.value);
    }
    this.tokens.set(key, entry);
  }

  /** Forget `key`'s token (the upstream refused it). */
  invalidate(key: string): void {
    this.tokens.delete(key);
  }

  get size(): number {
    return this.tokens.size;
  }
}
