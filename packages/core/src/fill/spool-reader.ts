import { Readable, type Writable } from 'node:stream';
import { sendFileRange, writeAfterHeaders, zeroCopySocket, type ZeroCopyTarget } from '@berth/sendfile';
import { WritePool, endAfterSend, type ByteRange, type DirectSendable } from '@berth/storage';
import type { Spool } from './spool.js';

/** Fixed read size: memory per reader stays at about one or two chunks whatever the blob size. */
export const SPOOL_READ_CHUNK_BYTES = 256 * 1024;
/**
 * A zero-copy reader following a fill that is writing fast sends once this much is on disk ahead
 * of it: each send costs a thread-pool round trip, and sixteen readers sending every small write
 * would spend more on those than on the bytes.
 */
export const SPOOL_SEND_MIN_BYTES = 4 * 1024 * 1024;

/**
 * A Readable following a growing spool from its own offset. It reads only when its consumer asks
 * (backpressure), waits for the writer's next change when it has caught up (no polling), ends when
 * the spool is sealed (or its range is served) and errors when the fill fails. Destroying it only
 * drops its reference on the spool: the fill goes on.
 */
export class SpoolReader extends Readable implements DirectSendable {
  private offset: number;
  /** Where this reader's bytes begin. */
  private readonly first: number;
  /** Exclusive end of the bytes to serve; undefined = to the end of the blob. */
  private readonly stop: number | undefined;
  private reading = false;
  private unsubscribe: (() => void) | undefined;
  private readonly stopWatchingFailure: () => void;
  private released = false;

  /** `range` must already be clamped to the blob's declared size. */
  constructor(
    private readonly spool: Spool,
    range?: ByteRange,
  ) {
    super({ highWaterMark: SPOOL_READ_CHUNK_BYTES });
    spool.retain();
    this.stopWatchingFailure = spool.onFailure((error) => this.destroy(error));
    this.offset = range?.start ?? 0;
    this.first = this.offset;
    this.stop = range === undefined ? undefined : range.end + 1;
  }

  override _read(): void {
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.stopWatchingFailure();
    if (!this.released) {
      this.released = true;
      this.spool.release();
    }
    callback(error);
  }

  /** Serve the next chunks, or end, or fail, or wait for the writer. */
  private pump(): void {
    // Chunks still in the spool's memory are pushed at once, for as long as the consumer takes them.
    while (this.pumpOnce()) {
      /* pushed from memory and the consumer wants more */
    }
  }

  /** One step of pump; true when a chunk was pushed from memory and there is room for more. */
  private pumpOnce(): boolean {
    if (this.reading || this.destroyed) return false;
    if (this.stop !== undefined && this.offset >= this.stop) {
      this.push(null);
      return false;
    }
    const position = this.spool.position(this.offset);
    switch (position.kind) {
      case 'failed':
        this.destroy(position.error);
        return false;
      case 'end':
        this.push(null);
        return false;
      case 'wait':
        // Caught up with the writer: Readable will not call _read again until we push, so the
        // spool's next change resumes us.
        this.unsubscribe ??= this.spool.onChange(() => {
          this.unsubscribe = undefined;
          this.pump();
        });
        return false;
      case 'data': {
        const end = Math.min(position.end, this.stop ?? Number.POSITIVE_INFINITY);
        const length = Math.min(SPOOL_READ_CHUNK_BYTES, end - this.offset);
        const recent = this.spool.readRecent(this.offset, length);
        if (recent === undefined) {
          this.readChunk(length);
          return false;
        }
        this.offset += recent.length;
        return this.push(recent);
      }
    }
  }

  /**
   * Write the bytes into `target` (never ending it) without allocating per chunk. On a plain HTTP
   * connection with the sendfile addon, every byte goes from the spool file's page cache straight
   * into the socket, sent once it is on disk: a reader that caught up waits for the writer's next
   * write rather than copying, so sixteen readers of one fill cost no more copies than one. Else
   * chunks still in memory go as they are and older ones are read into a few reused buffers. Only
   * before the reader has been read as a stream. Rejects when the fill fails or the target closes.
   */
  async sendTo(target: Writable): Promise<void> {
    if (this.readableDidRead || this.reading) throw new Error('sendTo on a spool reader already read as a stream');
    const connection = zeroCopySocket(target);
    const pool = connection === undefined ? new WritePool(target, SPOOL_READ_CHUNK_BYTES) : undefined;
    const sendUpTo = (end: number) => (pool === undefined ? this.sendFromDisk(connection!, end) : this.sendChunk(pool, end));
    // A failed fill destroys this reader with its error; sendTo reports it by rejecting instead.
    const ignore = () => undefined;
    this.on('error', ignore);
    try {
      for (;;) {
        if (this.stop !== undefined && this.offset >= this.stop) break;
        const position = this.spool.position(this.offset);
        if (position.kind === 'failed') throw position.error;
        if (position.kind === 'end') break;
        const end = position.kind === 'data' ? Math.min(position.end, this.stop ?? Number.POSITIVE_INFINITY) : this.offset;
        if (!(await sendUpTo(end))) await this.nextChange();
      }
      await pool?.drain();
      await endAfterSend(this);
    } finally {
      pool?.release();
      this.destroy();
    }
  }

  /**
   * Send what is both readable and on disk up to `end`; false when nothing is yet. The reader's
   * first chunk is the exception: sent from memory at once, so the first byte does not wait for
   * the disk write.
   */
  private async sendFromDisk(connection: ZeroCopyTarget, end: number): Promise<boolean> {
    const onDisk = Math.min(end, this.spool.bytesWritten);
    // Wait for a larger range while the writer has more in flight; send at once when it is idle.
    const writerIdle = this.spool.bytesWritten === this.spool.bytesAccepted;
    if (onDisk > this.offset && (onDisk - this.offset >= SPOOL_SEND_MIN_BYTES || writerIdle || onDisk === end)) {
      await sendFileRange(connection, this.spool.fd, this.offset, onDisk - this.offset);
      this.offset = onDisk;
      return true;
    }
    const recent = this.offset === this.first && end > this.offset ? this.spool.readRecent(this.offset, end - this.offset) : undefined;
    if (recent === undefined) return false;
    await writeAfterHeaders(connection, recent);
    this.offset += recent.length;
    return true;
  }

  /** Write one chunk before `end`: from memory when still there, else read into a pooled buffer; false when there is none yet. */
  private async sendChunk(pool: WritePool, end: number): Promise<boolean> {
    if (end <= this.offset) return false;
    const length = Math.min(SPOOL_READ_CHUNK_BYTES, end - this.offset);
    const recent = this.spool.readRecent(this.offset, length);
    if (recent !== undefined) {
      this.offset += recent.length;
      await pool.write(recent);
      return true;
    }
    const buffer = await pool.take();
    const chunk = await this.spool.readInto(buffer.subarray(0, length), this.offset);
    this.offset += chunk.length;
    await pool.write(chunk, buffer);
    return true;
  }

  /** Resolves on the spool's next write, seal or failure. */
  private async nextChange(): Promise<void> {
    await new Promise<void>((resolve) => { this.unsubscribe = this.spool.onChange(resolve); });
    this.unsubscribe = undefined;
  }

  private readChunk(length: number): void {
    this.reading = true;
    this.spool.read(this.offset, length).then(
      (chunk) => {
        this.reading = false;
        if (this.destroyed) return;
        this.offset += chunk.length;
        // Readable calls _read again when its buffer has room.
        this.push(chunk);
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
