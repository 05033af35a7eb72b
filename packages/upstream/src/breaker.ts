import type { BreakerState, UpstreamHooks, UpstreamLogger } from './types.js';
import { UpstreamUnavailableError } from './errors.js';

export const DEFAULT_BREAKER_FAILURES = 5;
export const DEFAULT_BREAKER_OPEN_MS = 30_000;

export interface BreakerOptions {
  upstream: string;
  failures?: number;
  openMs?: number;
  logger?: UpstreamLogger;
  hooks?: UpstreamHooks;
  now?: () => number;
}

/**
 * A per-upstream circuit breaker. `failures` consecutive UpstreamUnavailableErrors open it: calls
 * fail at once with reason 'offline' for `openMs`. Then one trial call goes through (half-open)
 * while the others keep failing fast; its success closes the breaker, its failure reopens it.
 * Any other outcome (an answer, a 404, a 401) proves the upstream is there and counts as success.
 */
export class CircuitBreaker {
  private readonly failuresToOpen: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private consecutiveFailures = 0;
  private openUntil = 0;
  private offline = false;
  private trialInFlight = false;
  /** Why the upstream failed last: the breaker's own answers name it while it is open. */
  private lastFailure: UpstreamUnavailableError | undefined;

  constructor(private readonly options: BreakerOptions) {
    this.failuresToOpen = Math.max(1, options.failures ?? DEFAULT_BREAKER_FAILURES);
    this.openMs = Math.max(0, options.openMs ?? DEFAULT_BREAKER_OPEN_MS);
    this.now = options.now ?? Date.now;
  }

  state(): BreakerState {
    return this.offline ? 'offline' : 'online';
  }

  /** Run `call` unless the breaker is open; record its outcome. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const trial = this.admit();
    try {
      const result = await call();
      this.succeeded();
      return result;
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) this.failed(error);
      else if (!isAbort(error)) this.succeeded();
      throw error;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }

  /** Throws when the call may not go out; true when it is the half-open trial. */
  private admit(): boolean {
    if (!this.offline) return false;
    if (this.trialInFlight || this.now() < this.openUntil) {
      const last = this.lastFailure;
      throw new UpstreamUnavailableError(
        this.options.upstream,
        'offline',
        `the upstream is marked offline after repeated failures${last !== undefined ? `; the last: ${last.host !== undefined ? `${last.host}: ` : ''}${last.detail}` : ''}`,
        last?.host !== undefined ? { host: last.host } : {},
      );
    }
    this.trialInFlight = true;
    return true;
  }

  private succeeded(): void {
    this.consecutiveFailures = 0;
    if (!this.offline) return;
    this.offline = false;
    this.options.logger?.info({ upstream: this.options.upstream }, 'upstream back online');
    this.options.hooks?.onBreakerChange?.('online');
  }

  private failed(error: UpstreamUnavailableError): void {
    // An 'offline' rejection is the breaker's own answer, not news about the upstream.
    if (error.reason === 'offline' && error.upstream === this.options.upstream) return;
    this.consecutiveFailures += 1;
    this.lastFailure = error;
    if (this.offline) {
      this.openUntil = this.now() + this.openMs; // the trial failed: stay offline
      return;
    }
    if (this.consecutiveFailures < this.failuresToOpen) return;
    this.offline = true;
    this.openUntil = this.now() + this.openMs;
    this.options.logger?.warn(
      { upstream: this.options.upstream, failures: this.consecutiveFailures, reason: error.reason, host: error.host, error: error.detail, openMs: this.openMs },
      'upstream offline',
    );
    this.options.hooks?.onBreakerChange?.('offline');
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}
