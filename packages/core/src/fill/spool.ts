import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * How many accepted bytes may wait for the disk, besides the write in flight, before append makes
 * the source wait (until that write is done and the queue goes out as the next one).
 */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * How many of the most recently accepted bytes stay in memory for readers that follow the writer
 * closely without sendfile (TLS, addon not built): they get the upstream's own buffers (no file
 * read) and need not wait for the disk. Readers further behind read the file, from the page cache.
 * Zero-copy readers take only their first chunk from here, so the window can stay small (it was
 * 16 MiB before sendfile).
 */
export const SPOOL_MEMORY_BYTES = 4 * 1024 * 1024;

/** A created spool file not yet adopted by a Spool. */
export interface SpoolFile {
  path: string;
  handle: FileHandle;
}

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
  private accepted = 0;
  private queue: Uint8Array[] = [];
  private queued = 0;
  /** The last accepted chunks, from offset `recentStart` on (written or still queued). */
  private recent: Uint8Array[] = [];
  private recentStart = 0;
  private recentBytes = 0;
  private draining: Promise<void> | undefined;
  private writeError: Error | undefined;
  private sealed = false;
  private failure: Error | undefined;
  private readonly waiters = new Set<() => void>();
  /** Appends waiting for the queue to go out to the disk. */
  private queueWaiters: Array<() => void> = [];
  private readonly failureListeners = new Set<(error: Error) => void>();
  /** The writer's reference plus one per open reader. */
  private refs = 1;
  private unlinked = false;
  /** Chunks a reader got a view of (readRecent): never given back to `recycle`. */
  private readonly shared = new WeakSet<Uint8Array>();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Readers see at most this many bytes before seal: the declared size minus one. */
    private readonly withheldFrom: number,
    private readonly recycle: ((chunk: Uint8Array) => void) | undefined,
  ) {}

  /** Create the spool file (it must not exist) for a blob declared to be `declaredSize` bytes. */
  static async create(path: string, declaredSize: number, recycle?: (chunk: Uint8Array) => void): Promise<Spool> {
    return Spool.adopt(await Spool.createFile(path), declaredSize, recycle);
  }

  /**
   * Create the spool file before the blob's size is known (opened while the upstream answers, so
   * it is not on the way to the first byte). Give it to `adopt`, or to `abandon` when unused.
   */
  static async createFile(path: string): Promise<SpoolFile> {
    return { path, handle: await open(path, 'wx+') };
  }

  /**
   * `recycle` gets each appended chunk back once the spool is done with it: on disk, out of the
   * memory window, and never lent to a reader. Its memory may then be reused (the upstream reads
   * into it again), which keeps a fill from leaving a trail of garbage buffers for the GC.
   */
  static adopt(file: SpoolFile, declaredSize: number, recycle?: (chunk: Uint8Array) => void): Spool {
    return new Spool(file.path, file.handle, Math.max(0, declaredSize - 1), recycle);
  }

  /** Close and remove a file from createFile that no spool adopted; never rejects. */
  static async abandon(file: Promise<SpoolFile>): Promise<void> {
    const created = await file.catch(() => undefined);
    if (created === undefined) return;
    await created.handle.close().catch(() => undefined);
    await unlink(created.path).catch(() => undefined);
  }

  /** The shared file's descriptor, for zero-copy sends by readers (who hold a reference). */
  get fd(): number {
    return this.handle.fd;
  }

  /** Bytes on disk. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Bytes handed to append so far, written or still queued. */
  get bytesAccepted(): number {
    return this.accepted;
  }

  /**
   * Queue a chunk for the end of the file. Writes run one at a time, each taking every chunk
   * queued meanwhile in one writev: no added latency when the source is slow, few large writes
   * when it is fast. Resolves at once unless more than MAX_QUEUED_BYTES wait besides the write in
   * flight (backpressure): then once that write is done, so reading and writing overlap.
   */
  async append(chunk: Uint8Array): Promise<void> {
    if (this.writeError !== undefined) throw this.writeError;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.accepted += chunk.length;
    this.recent.push(chunk);
    this.recentBytes += chunk.length;
    this.trimRecent();
    this.draining ??= this.drain();
    this.notify();
    if (this.queued > MAX_QUEUED_BYTES) {
      await new Promise<void>((resolve) => this.queueWaiters.push(resolve));
      if (this.writeError !== undefined) throw this.writeError;
    }
  }

  /**
   * Bytes up to `total` were written into the file by someone else (a receive straight off the
   * upstream socket, see blob-fill): readers may have them now. Only with no append in flight.
   */
  advanceTo(total: number): void {
    if (this.queue.length > 0 || this.draining !== undefined || total < this.accepted) {
      throw new Error(`spool ${this.path}: advanced to ${total} with ${this.accepted} accepted and appends in flight`);
    }
    this.accepted = total;
    this.written = total;
    // The memory window holds the last accepted bytes: those came from the file's writer now, so it
    // starts empty at `total` (JavaScript's appends after this fill it from there).
    for (const chunk of this.recent) this.giveBack(chunk);
    this.recent = [];
    this.recentStart = total;
    this.recentBytes = 0;
    this.notify();
  }

  /** Wait until every accepted byte is on disk; throws the write error, if any. */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
    if (this.writeError !== undefined) throw this.writeError;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.writeError === undefined) {
        const batch = this.queue;
        const size = this.queued;
        this.queue = [];
        this.queued = 0;
        this.releaseQueueWaiters();
        await writeAllAt(this.handle, batch, size, this.written);
        this.written += size;
        this.trimRecent();
        // A reader behind the memory window may be waiting for these bytes on disk.
        this.notify();
      }
    } catch (error) {
      this.writeError = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.draining = undefined;
      this.releaseQueueWaiters();
    }
  }

  private releaseQueueWaiters(): void {
    const waiting = this.queueWaiters;
    this.queueWaiters = [];
    for (const resume of waiting) resume();
  }

  /** The content is verified: release every byte written and let readers end. */
  seal(): void {
    if (this.failure !== undefined) return;
    if (this.written !== this.accepted) throw new Error(`spool ${this.path}: sealed before flush (${this.written} of ${this.accepted} bytes on disk)`);
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

  /** Drop the oldest in-memory chunks beyond the window, but never one not yet on disk. */
  private trimRecent(): void {
    while (this.recent.length > 1) {
      const oldest = this.recent[0]!;
      if (this.recentBytes - oldest.length < SPOOL_MEMORY_BYTES || this.recentStart + oldest.length > this.written) return;
      this.recent.shift();
      this.recentStart += oldest.length;
      this.recentBytes -= oldest.length;
      // Written (see above) and out of the window: only a reader's view could still point at it.
      this.giveBack(oldest);
    }
  }

  /** A chunk the spool is done with goes back to `recycle`, unless a reader got a view of it. */
  private giveBack(chunk: Uint8Array): void {
    if (this.recycle !== undefined && !this.shared.has(chunk)) this.recycle(chunk);
  }

  /** Where a reader at `offset` stands. Accepted bytes are readable before they reach the disk. */
  position(offset: number): SpoolPosition {
    if (this.failure !== undefined) return { kind: 'failed', error: this.failure };
    const readable = this.sealed ? this.written : Math.min(this.accepted, this.withheldFrom);
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

  /**
   * Up to `maxLength` bytes at `offset` (within what `position` allows) when they are still in
   * memory: a view of the chunk holding them, never crossing into the next chunk. Undefined when
   * the reader is behind the memory window and must `read` the file.
   */
  readRecent(offset: number, maxLength: number): Buffer | undefined {
    if (offset < this.recentStart || offset >= this.recentStart + this.recentBytes) return undefined;
    let start = this.recentStart;
    for (const chunk of this.recent) {
      if (offset < start + chunk.length) {
        this.shared.add(chunk); // the view may outlive the window: this chunk is never recycled
        const from = offset - start;
        const length = Math.min(maxLength, chunk.length - from);
        return Buffer.from(chunk.buffer, chunk.byteOffset + from, length);
      }
      start += chunk.length;
    }
    return undefined;
  }

  /** Read `length` bytes at `offset` (which the caller got from `position`) into a fresh buffer. */
  read(offset: number, length: number): Promise<Buffer> {
    return this.readInto(Buffer.allocUnsafe(length), offset);
  }

  /** Fill `buffer` with the bytes at `offset` (which the caller got from `position`). */
  async readInto(buffer: Buffer, offset: number): Promise<Buffer> {
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, filled, buffer.length - filled, offset + filled);
      if (bytesRead === 0) throw new Error(`spool ${this.path}: ended at ${offset + filled}, expected ${offset + buffer.length} bytes`);
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

/** Write `chunks` (`size` bytes in all) at `position`, continuing after partial writes. */
async function writeAllAt(handle: FileHandle, chunks: Uint8Array[], size: number, position: number): Promise<void> {
  let buffers = chunks;
  let done = 0;
  while (done < size) {
    const { bytesWritten } = await handle.writev(buffers, position + done);
    done += bytesWritten;
    if (done < size) buffers = remainderAfter(buffers, bytesWritten);
  }
}

function remainderAfter(buffers: Uint8Array[], skip: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let left = skip;
  for (const buffer of buffers) {
    if (left >= buffer.length) {
      left -= buffer.length;
      continue;
    }
    rest.push(left > 0 ? buffer.subarray(left) : buffer);
    left = 0;
  }
  return rest;
}
