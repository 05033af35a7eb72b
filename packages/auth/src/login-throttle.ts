/**
 * Locks an account out, for one client address, after repeated failed logins from there; per
 * process. The caller asks `retryAfterSeconds` before checking a password (and refuses without
 * checking while it is non-zero), then reports the outcome.
 *
 * The lock is on the pair (account, client address): a stranger who guesses at an account name
 * locks out only their own address, never the owner logging in from elsewhere. The caller decides
 * what an address is (a proxy-forwarded one only from trusted proxies, an IPv6 /64 as one address).
 *
 * Rules: `maxFailures` failures within `windowSeconds` lock the pair for `lockSeconds`; once
 * locked, every further failure doubles the lock (capped at an hour, or at `lockSeconds` when that
 * is longer). A success clears the pair; so does a quiet spell of `windowSeconds` after the lock
 * ended, and `unlock` clears every address of an account. `maxFailures` 0 disables locking.
 *
 * A caller may attach a tag to a lock (`tagLock`) and read it back (`lockTag`): Berth tags each
 * lock with the account's count of administrators' unlocks, so a process whose lock predates an
 * unlock made through another process can tell and `forget` it.
 */

export const MAX_LOCK_SECONDS = 3600;
export const DEFAULT_MAX_TRACKED_ACCOUNTS = 10_000;

export interface LoginThrottleOptions {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** (account, address) pairs remembered at most; the least recently failed are forgotten first. */
  maxTrackedAccounts?: number;
}

interface AccountState {
  /** Times (ms) of the failures inside the window, before the first lock. */
  failures: number[];
  /** When the current lock ends (ms); 0 when never locked. */
  lockedUntil: number;
  /** Length of the last lock in seconds; 0 when never locked. */
  lockSeconds: number;
  lastFailure: number;
  /** What the caller attached to the current lock (lockTag); undefined when nothing was. */
  tag?: number | null;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

export class LoginThrottle {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockSeconds: number;
  private readonly maxLockSeconds: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  /** Keyed by pairKey; insertion order is recency order: a pair is re-inserted on every failure. */
  private readonly pairs = new Map<string, AccountState>();

  constructor(options: LoginThrottleOptions) {
    this.maxFailures = nonNegativeInteger('maxFailures', options.maxFailures);
    this.windowMs = nonNegativeInteger('windowSeconds', options.windowSeconds) * 1000;
    this.lockSeconds = nonNegativeInteger('lockSeconds', options.lockSeconds);
    this.maxLockSeconds = Math.max(MAX_LOCK_SECONDS, this.lockSeconds);
    const maxTracked = options.maxTrackedAccounts ?? DEFAULT_MAX_TRACKED_ACCOUNTS;
    this.maxTracked = Math.max(1, nonNegativeInteger('maxTrackedAccounts', maxTracked));
    this.now = options.now ?? Date.now;
  }

  /** Seconds until the account may try again from this address; 0 when it may try now. */
  retryAfterSeconds(account: string, address: string): number {
    const now = this.now();
    const state = this.current(pairKey(account, address), now);
    if (state === undefined) return 0;
    const remainingMs = state.lockedUntil - now;
    return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
  }

  /** Records a failed login; `lockedForSeconds` is the lock it caused (0: none). */
  recordFailure(account: string, address: string): { lockedForSeconds: number } {
    if (this.maxFailures === 0) return { lockedForSeconds: 0 };
    const now = this.now();
    const key = pairKey(account, address);
    const state = this.current(key, now) ?? { failures: [], lockedUntil: 0, lockSeconds: 0, lastFailure: now };
    state.lastFailure = now;
    let lockedForSeconds = 0;
    if (state.lockSeconds > 0) {
      lockedForSeconds = Math.min(state.lockSeconds * 2, this.maxLockSeconds);
    } else {
      state.failures = state.failures.filter((at) => now - at < this.windowMs);
      state.failures.push(now);
      // Only the last maxFailures matter (keeps the list bounded even if lockSeconds is 0).
      if (state.failures.length > this.maxFailures) state.failures.splice(0, state.failures.length - this.maxFailures);
      if (state.failures.length >= this.maxFailures) lockedForSeconds = this.lockSeconds;
    }
    if (lockedForSeconds > 0) {
      state.failures = [];
      state.lockSeconds = lockedForSeconds;
      state.lockedUntil = now + lockedForSeconds * 1000;
    }
    this.remember(key, state);
    return { lockedForSeconds };
  }

  /** Records a successful login: the account starts afresh from this address. */
  recordSuccess(account: string, address: string): void {
    this.forget(account, address);
  }

  /** Forgets the pair's failures and lock. */
  forget(account: string, address: string): void {
    this.pairs.delete(pairKey(account, address));
  }

  /** Attaches `tag` to the pair's current lock (nothing happens when it is not locked). */
  tagLock(account: string, address: string, tag: number | null): void {
    const now = this.now();
    const state = this.current(pairKey(account, address), now);
    if (state !== undefined && state.lockedUntil > now) state.tag = tag;
  }

  /** The tag of the pair's current lock; undefined when it is not locked or was never tagged. */
  lockTag(account: string, address: string): number | null | undefined {
    const now = this.now();
    const state = this.current(pairKey(account, address), now);
    return state !== undefined && state.lockedUntil > now ? state.tag : undefined;
  }

  /**
   * Forgets the account's failures and locks from every address (an administrator's unlock);
   * the number of addresses that were locked out.
   */
  unlock(account: string): { unlockedAddresses: number } {
    const now = this.now();
    let unlockedAddresses = 0;
    for (const [key, state] of this.pairs) {
      if (accountOf(key) !== account) continue;
      if (state.lockedUntil > now) unlockedAddresses += 1;
      this.pairs.delete(key);
    }
    return { unlockedAddresses };
  }

  /** Number of (account, address) pairs currently remembered (for tests and metrics). */
  get trackedAccounts(): number {
    return this.pairs.size;
  }

  /** The pair's state, forgetting it once nothing about it matters any more. */
  private current(key: string, now: number): AccountState | undefined {
    const state = this.pairs.get(key);
    if (state === undefined) return undefined;
    const quietSince = Math.max(state.lockedUntil, state.lastFailure);
    if (now >= state.lockedUntil && now - quietSince >= this.windowMs) {
      this.pairs.delete(key);
      return undefined;
    }
    return state;
  }

  private remember(key: string, state: AccountState): void {
    this.pairs.delete(key);
    this.pairs.set(key, state);
    while (this.pairs.size > this.maxTracked) {
      const oldest = this.pairs.keys().next();
      if (oldest.done === true) break;
      this.pairs.delete(oldest.value);
    }
  }
}

/** Addresses never contain a space; account names may contain anything, so they go last. */
function pairKey(account: string, address: string): string {
  return `${address} ${account}`;
}

function accountOf(key: string): string {
  return key.slice(key.indexOf(' ') + 1);
}
