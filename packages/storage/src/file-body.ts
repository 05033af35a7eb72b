import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { sendFileRange, zeroCopySocket, type ZeroCopyTarget } from '@berth/sendfile';
import { WritePool } from './write-pool.js';

/** Bytes per file read, for both ways of consuming a FileBody. */
export const FILE_READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A body that can write itself into a target without allocating per chunk: from the page cache
 * straight into the connection when the target is a plain HTTP response and the sendfile addon is
 * built (@berth/sendfile), else through a few reused buffers (WritePool). Offered by bodies read
 * from files: an HTTP response gets the same bytes as from the Readable side.
 */
export interface DirectSendable {
  /**
   * Write every byte into `target` (never ending it), then end the body ('end' is emitted, as
   * after a full read) and release it. Only before the body has been read as a stream. Rejects
   * when reading fails or the target closes first.
   */
  sendTo(target: Writable): Promise<void>;
}

export function isDirectSendable(body: Readable): body is Readable & DirectSendable {
  return typeof (body as Partial<DirectSendable>).sendTo === 'function';
}

/**
 * After a successful sendTo: end `body` as if it had been read to its end, so that whoever waits
 * for its 'end' (to record a completed download, say) hears it.
 */
export async function endAfterSend(body: Readable): Promise<void> {
  const ended = once(body, 'end');
  body.push(null);
  body.resume();
  await ended;
}

/** Bytes [start, end] of an open file as a stream (the handle is closed when it ends or is destroyed). */
export class FileBody extends Readable implements DirectSendable {
  private position: number;
  private reading = false;

  constructor(
    private readonly handle: FileHandle,
    start: number,
    /** Inclusive; start > end means an empty body. */
    private readonly end: number,
  ) {
    super({ highWaterMark: FILE_READ_CHUNK_BYTES });
    this.position = start;
  }

  override _read(): void {
    if (this.reading) return;
    const length = Math.min(FILE_READ_CHUNK_BYTES, this.end + 1 - this.position);
    if (length <= 0) return void this.push(null);
    this.reading = true;
    this.readAt(Buffer.allocUnsafe(length)).then(
      (chunk) => {
        this.reading = false;
        this.push(chunk);
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(() => callback(error), (closeError: unknown) => callback(error ?? (closeError as Error)));
  }

  async sendTo(target: Writable): Promise<void> {
    if (this.readableDidRead || this.reading) throw new Error('sendTo on a body already read as a stream');
    this.on('error', () => undefined); // a failure is reported by rejecting
    try {
      const connection = zeroCopySocket(target);
      if (connection !== undefined) await this.sendZeroCopy(connection);
      else await this.sendWithPool(target);
      await endAfterSend(this);
    } finally {
      this.destroy();
    }
  }

  private async sendZeroCopy(connection: ZeroCopyTarget): Promise<void> {
    const length = this.end + 1 - this.position;
    await sendFileRange(connection, this.handle.fd, this.position, length);
    this.position += length;
  }

  private async sendWithPool(target: Writable): Promise<void> {
    const pool = new WritePool(target, FILE_READ_CHUNK_BYTES);
    try {
      while (this.position <= this.end) {
        const buffer = await pool.take();
        await pool.write(await this.readAt(buffer.subarray(0, Math.min(buffer.length, this.end + 1 - this.position))), buffer);
      }
      await pool.drain();
    } finally {
      pool.release();
    }
  }

  /** Fill `buffer` from the current position (the file must hold those bytes) and advance. */
  private async readAt(buffer: Buffer): Promise<Buffer> {
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, filled, buffer.length - filled, this.position + filled);
      if (bytesRead === 0) throw new Error(`file ended at byte ${this.position + filled}, expected ${this.end + 1}`);
      filled += bytesRead;
    }
    this.position += filled;
    return buffer;
  }
}
