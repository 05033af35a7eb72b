import type { Writable } from 'node:stream';

/**
 * Writes into a target (an HTTP response) through a few reused buffers: a buffer returns to the
 * pool only from its write's callback, when the target no longer holds it. At most `capacity`
 * writes are in flight, so memory stays bounded whatever the body's size, without allocating a
 * buffer per chunk (at 1 GB/s, fresh buffers make garbage collection the largest cost).
 */
export class WritePool {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onClose = () => this.stop(new Error('the target closed before the body was sent'));
  private readonly onError = (error: Error) => this.stop(error);

  constructor(
    private readonly target: Writable,
    private readonly bufferBytes: number,
    private readonly capacity = 4,
  ) {
    target.once('close', this.onClose);
    target.once('error', this.onError);
  }

  /** A buffer to fill and pass to `write`; waits while every buffer is in flight. */
  async take(): Promise<Buffer> {
    while (this.free.length === 0 && this.allocated >= this.capacity) await this.next();
    this.check();
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    this.allocated += 1;
    return Buffer.allocUnsafe(this.bufferBytes);
  }

  /**
   * Write `chunk`: a view of `buffer` (from take, returned to the pool once written), or bytes that
   * stay valid on their own. Waits first while `capacity` writes are in flight.
   */
  async write(chunk: Buffer, buffer?: Buffer): Promise<void> {
    while (this.inFlight >= this.capacity) await this.next();
    this.check();
    this.inFlight += 1;
    this.target.write(chunk, (error) => {
      this.inFlight -= 1;
      if (error) this.stop(error);
      else if (buffer !== undefined) this.free.push(buffer);
      this.wake?.();
    });
  }

  /** Wait until every write has completed; rejects when the target failed or closed first. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) await this.next();
    this.check();
  }

  /** Stop listening to the target. */
  release(): void {
    this.target.off('close', this.onClose);
    this.target.off('error', this.onError);
  }

  private stop(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves on the next completed write or failure; throws the failure. */
  private async next(): Promise<void> {
    this.check();
    await new Promise<void>((resolve) => { this.wake = resolve; });
    this.wake = undefined;
    this.check();
  }
}
