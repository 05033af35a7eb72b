/** How many verified access tokens one process remembers (each a few hundred bytes of JWT text). */
export const DEFAULT_MAX_VERIFIED_TOKENS = 4_096;

/**
 * Access tokens this process verified, by their exact text, so a client sending the same bearer
 * token with every request costs one ES256 verification, not one per request (~160 µs each, as much
 * as the rest of a cached manifest GET). Nothing but time changes the outcome for the same bytes
 * under the same key: an entry is served from its verification on until its `exp` (never in the
 * clock tolerance past it, and never if the clock went back before it was verified); after that the
 * token is verified in full again. Only tokens that passed are remembered, and at most `maxEntries`
 * (the oldest go first).
 */
export class VerifiedTokens<T extends { expiresAt: Date }> {
  private readonly entries = new Map<string, { verified: T; at: number }>();

  constructor(private readonly maxEntries = DEFAULT_MAX_VERIFIED_TOKENS) {}

  get(token: string, now: Date): T | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    const time = now.getTime();
    if (time < entry.at || time >= entry.verified.expiresAt.getTime()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.verified;
  }

  /** `verified` passed full verification at `now`. */
  set(token: string, verified: T, now: Date): void {
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(token, { verified, at: now.getTime() });
  }

  get size(): number {
    return this.entries.size;
  }
}
