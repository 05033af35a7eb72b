/** Concurrent calls with the same key share one execution; `joined` tells a caller it did not start it. */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  async run(key: string, work: () => Promise<T>): Promise<{ value: T; joined: boolean }> {
    const existing = this.inFlight.get(key);
    if (existing !== undefined) return { value: await existing, joined: true };
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return { value: await started, joined: false };
  }
}
