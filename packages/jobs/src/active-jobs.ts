/**
 * The jobs one worker is running, so that close() can wait for them with a deadline (BullMQ's own
 * Worker.close() waits without one, and cannot be forced once a graceful close has begun).
 */
export class ActiveJobs {
  private readonly running = new Set<Promise<unknown>>();
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.running.size;
  }

  /** Run `work` as an active job; the answer is its own. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const running = work().finally(() => {
      this.running.delete(running);
      if (this.running.size === 0) this.wakeIdleWaiters();
    });
    this.running.add(running);
    return running;
  }

  /** Resolves true once no job is running, or false when `timeoutMs` passed first. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
