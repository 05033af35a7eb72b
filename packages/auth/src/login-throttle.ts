/**
 * Locks an account out after repeated failed logins, per process. The caller asks
 * `retryAfterSeconds` before checking a password (and refuses without checking while it is
 * non-zero), then reports the outcome.
 *
 * Rules: `maxFailures` failures within `windowSeconds` lock the account for `lockSeconds`; once
 * locked, every further failure doubles the lock (capped at an hour, or at `lockSeconds` when that
 * is longer). A success clears the account; so does a quiet spell of `windowSeconds` after the
 * lock ended. `maxFailures` 0 disables locking.
 */

export const MAX_LOCK_SECONDS = 3600;
export const DEFAULT_MAX_TRACKED_ACCOUNTS = 10_000;

export interface LoginThrottleOptions {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** Accounts remembered at most; the least recently failed are forgotten first. */
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
  /** Insertion order is recency order: an account is re-inserted on every failure. */
  private readonly accounts = new Map<string, AccountState>();

  constructor(options: LoginThrottleOptions) {
    this.maxFailures = nonNegativeInteger('maxFailures', options.maxFailures);
    this.windowMs = nonNegativeInteger('windowSeconds', options.windowSeconds) * 1000;
    this.lockSeconds = nonNegativeInteger('lockSeconds', options.lockSeconds);
    this.maxLockSeconds = Math.max(MAX_LOCK_SECONDS, this.lockSeconds);
    const maxTracked = options.maxTrackedAccounts ?? DEFAULT_MAX_TRACKED_ACCOUNTS;
    this.maxTracked = Math.max(1, nonNegativeInteger('maxTrackedAccounts', maxTracked));
    this.now = options.now ?? Date.now;
  }

  /** Seconds until the account may try again; 0 when it may try now. */
  retryAfterSeconds(account: string): number {
    const now = this.now();
    const state = this.current(account, now);
    if (state === undefined) return 0;
    const remainingMs = state.lockedUntil - now;
    return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
  }

  /** Records a failed login; `lockedForSeconds` is the lock it caused (0: none). */
  recordFailure(account: string): { lockedForSeconds: number } {
    if (this.maxFailures === 0) return { lockedForSeconds: 0 };
    const now = this.now();
    const state = this.current(account, now) ?? { failures: [], lockedUntil: 0, lockSeconds: 0, lastFailure: now };
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
    this.remember(account, state);
    return { lockedForSeconds };
  }

  /** Records a successful login: the account starts afresh. */
  recordSuccess(account: string): void {
    this.accounts.delete(account);
  }

  /** Number of accounts currently remembered (for tests and metrics). */
  get trackedAccounts(): number {
    return this.accounts.size;
  }

  /** The account's state, forgetting it once nothing about it matters any more. */
  private current(account: string, now: number): AccountState | undefined {
    const state = this.accounts.get(account);
    if (state === undefined) return undefined;
    const quietSince = Math.max(state.lockedUntil, state.lastFailure);
    if (now >= state.lockedUntil && now - quietSince >= this.windowMs) {
      this.accounts.delete(account);
      return undefined;
    }
    return state;
  }

  private remember(account: string, state: AccountState): void {
    this.accounts.delete(account);
    this.accounts.set(account, state);
    while (this.accounts.size > this.maxTracked) {
      const oldest = this.accounts.keys().next();
      if (oldest.done === true) break;
      this.accounts.delete(oldest.value);
    }
  }
}
