import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Where a reader at some offset stands against the spool. */
export type SpoolPosition =
  | { kind: 'data'; end: number } // bytes [offset, end) can be read now
  | { kind: 'end' } // nothing more will come: the reader is done
  | { kind: 'failed'; error: Error } // the fill failed: the reader must error
  | { kind: 'wait' }; // the writer has not got there yet

/**
 * A file growing while a fill writes it, read concurrently by any number of SpoolReaders.
 *
 * Everyone shares one file handle with positional reads and writes, so readers keep going after
 * the path is unlinked; the handle closes once the writer and the last reader have let go.
 *
 * The blob's last byte is withheld from readers until `seal()` (the digest matched): no reader can
 * deliver a complete-looking body whose content later turns out to be wrong.
 */
export class Spool {
  private written = 0;
  private sealed = false;
  private failure: Error | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly failureListeners = new Set<(error: Error) => void>();
  /** The writer's reference plus one per open reader. */
  private refs = 1;
  private unlinked = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Readers see at most this many bytes before seal: the declared size minus one. */
    private readonly withheldFrom: number,
  ) {}

  /** Create the spool file (it must not exist) for a blob declared to be `declaredSize` bytes. */
  static async create(path: string, declaredSize: number): Promise<Spool> {
    const handle = await open(path, 'wx+');
    return new Spool(path, handle, Math.max(0, declaredSize - 1));
  }

  get bytesWritten(): number {
    return this.written;
  }

  /** Append a chunk at the end of the file, then wake waiting readers. */
  async append(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset, this.written);
      offset += bytesWritten;
      this.written += bytesWritten;
    }
    this.notify();
  }

  /** The content is verified: release every byte written and let readers end. */
  seal(): void {
    if (this.failure !== undefined) return;
    this.sealed = true;
    this.notify();
  }

  /** The fill failed before verification: every reader errors. Harmless after seal (the bytes are good). */
  fail(error: Error): void {
    if (this.sealed || this.failure !== undefined) return;
    this.failure = error;
    this.notify();
    for (const listener of [...this.failureListeners]) listener(error);
    this.failureListeners.clear();
  }

  /** Where a reader at `offset` stands. */
  position(offset: number): SpoolPosition {
    if (this.failure !== undefined) return { kind: 'failed', error: this.failure };
    const readable = this.sealed ? this.written : Math.min(this.written, this.withheldFrom);
    if (offset < readable) return { kind: 'data', end: readable };
    return this.sealed ? { kind: 'end' } : { kind: 'wait' };
  }

  /** Call `listener` once, on the next write, seal or failure. Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  /**
   * Call `listener` if the fill fails, even when the reader is idle (its consumer is not reading),
   * so that it is destroyed at once rather than on its next read. Returns an unsubscribe function.
   */
  onFailure(listener: (error: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Read `length` bytes at `offset` (which the caller got from `position`) into a fresh buffer. */
  async read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) throw new Error(`spool ${this.path}: ended at ${offset + filled}, expected ${offset + length} bytes`);
      filled += bytesRead;
    }
    return buffer;
  }

  /** A reader takes a reference on the shared handle. */
  retain(): void {
    if (this.refs === 0) throw new Error(`spool ${this.path} is closed`);
    this.refs += 1;
  }

  /** Drop a reference; the last one closes the handle. */
  release(): void {
    if (this.refs === 0) return;
    this.refs -= 1;
    if (this.refs === 0) void this.handle.close().catch(() => undefined);
  }

  /** The fill is over: remove the path (open readers keep their bytes) and drop the writer's reference. */
  async discard(): Promise<void> {
    if (!this.unlinked) {
      this.unlinked = true;
      await unlink(this.path).catch(() => undefined);
      this.release();
    }
  }

  private notify(): void {
    const listeners = [...this.waiters];
    this.waiters.clear();
    for (const listener of listeners) listener();
  }
}
