import { sha256Addon, type Sha256Addon } from './addon.js';
import { startReceive, type FileTarget, type ReceiveJob, type SocketBytes } from './receive.js';

/** Bytes handed over and not yet hashed before `update` makes its caller wait. */
export const SHA256_BACKLOG_BYTES = 2 * 1024 * 1024;

/**
 * sha256 computed on libuv's thread pool (the `berth_sha256` addon, `sha256.c`), fed the chunks the caller
 * already holds: no copy, no structured clone. The event loop only hands chunks over; a pool
 * thread hashes them in order, one batch at a time (whatever arrived while the previous batch ran).
 * A chunk must not be modified or reused until it is hashed: `whenHashed` says when.
 */
export class ThreadedSha256 {
  private readonly handle: object;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private running: Uint8Array[] | undefined;
  private runningBytes = 0;
  private failure: Error | undefined;
  /** A receive (receiveIntoFile) is hashing into this digest. */
  private receiving = false;
  /** Callers waiting for the backlog to shrink, or for everything to be hashed. */
  private waiters: Array<() => void> = [];
  /** Chunks someone wants back once hashed (see whenHashed). */
  private readonly afterHashed = new Map<Uint8Array, Array<() => void>>();

  constructor(private readonly hashing: Sha256Addon) {
    this.handle = hashing.sha256Create();
  }

  /** Bytes handed over and not yet hashed. */
  get backlog(): number {
    return this.queuedBytes + this.runningBytes;
  }

  /**
   * Hand `chunk` over for hashing. Resolves at once while less than SHA256_BACKLOG_BYTES wait,
   * else once the batch in flight is done; rejects once hashing failed.
   */
  async update(chunk: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.receiving) throw new Error('sha256: update while a receive runs');
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.startBatch();
    while (this.backlog > SHA256_BACKLOG_BYTES && this.failure === undefined) await this.nextBatchDone();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Whether receiveIntoFile works here (an addon built from these sources has it). */
  get canReceive(): boolean {
    return typeof this.hashing.sha256Receive === 'function';
  }

  /**
   * Receive body bytes from a socket straight into a file, hashing them into this digest on a
   * thread of their own (see receive.ts): no JavaScript per chunk, and the hash reads each read
   * while it is still in that core's cache. Only with nothing handed over and not yet hashed; no
   * update() or digest() until the job is done. After a connection failure the digest covers
   * exactly the bytes written, so update() may go on from there.
   */
  receiveIntoFile(bytes: SocketBytes, file: FileTarget): ReceiveJob {
    if (this.failure !== undefined) throw this.failure;
    if (this.backlog > 0 || this.receiving) throw new Error('sha256: a receive needs a digest with nothing in flight');
    const job = startReceive(this.hashing, this.handle, bytes, file);
    this.receiving = true;
    job.done.then(
      () => (this.receiving = false),
      () => (this.receiving = false),
    );
    return job;
  }

  /** Once every chunk handed over is hashed: the digest as lower-case hex. Rejects if hashing failed. */
  async digest(): Promise<string> {
    if (this.receiving) throw new Error('sha256: digest while a receive runs');
    while (this.backlog > 0 && this.failure === undefined) await this.nextBatchDone();
    if (this.failure !== undefined) throw this.failure;
    return this.hashing.sha256Final(this.handle).toString('hex');
  }

  /** Call `release` once `chunk` is hashed (at once when it is not waiting); also after a failure. */
  whenHashed(chunk: Uint8Array, release: () => void): void {
    const pending = this.failure === undefined && (this.running?.includes(chunk) === true || this.queue.includes(chunk));
    if (!pending) return release();
    const list = this.afterHashed.get(chunk);
    if (list === undefined) this.afterHashed.set(chunk, [release]);
    else list.push(release);
  }

  private startBatch(): void {
    if (this.running !== undefined || this.queue.length === 0 || this.failure !== undefined) return;
    const batch = this.queue;
    this.running = batch;
    this.runningBytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.hashing.sha256Update(this.handle, batch, (error) => this.batchDone(batch, error));
    } catch (error) {
      this.batchDone(batch, error instanceof Error ? error.message : String(error));
    }
  }

  private batchDone(batch: Uint8Array[], error: string | null): void {
    this.running = undefined;
    this.runningBytes = 0;
    if (error !== null) this.fail(new Error(error));
    for (const chunk of batch) this.release(chunk);
    if (this.failure !== undefined) for (const chunk of [...this.afterHashed.keys()]) this.release(chunk);
    this.startBatch();
    const waiting = this.waiters;
    this.waiters = [];
    for (const resume of waiting) resume();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.queue = [];
    this.queuedBytes = 0;
  }

  private release(chunk: Uint8Array): void {
    const releases = this.afterHashed.get(chunk);
    if (releases === undefined) return;
    this.afterHashed.delete(chunk);
    for (const release of releases) release();
  }

  private nextBatchDone(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** sha256 on the thread pool when the addon is built; undefined otherwise (hash in-line instead). */
export function threadedSha256(): ThreadedSha256 | undefined {
  return sha256Addon === undefined ? undefined : new ThreadedSha256(sha256Addon);
}
