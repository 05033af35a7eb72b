/**
 * Which keys may be acted on now, at most once per interval each: the memory behind background
 * writes that must not happen per request (last-pull times). Bounded: past `maxKeys` it starts
 * over, which only costs a redundant write.
 */
export class ThrottledKeys {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** True (and remembered) when `key` was not taken within the interval. */
  take(key: string): boolean {
    const now = this.now();
    const last = this.last.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (this.last.size >= this.maxKeys) this.last.clear();
    this.last.set(key, now);
    return true;
  }

  /** Forget `key` (its write failed: the next call may try again). */
  release(key: string): void {
    this.last.delete(key);
  }
}
