import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { OciError } from '@berth/oci';
import { ReceiveError, type SocketReceiver } from '@berth/sendfile';
import type { SocketHandOver } from './blob-connection.js';
import { UpstreamError, UpstreamUnavailableError } from './errors.js';

export const DEFAULT_MAX_BLOB_RESUMES = 3;
/** Bytes buffered ahead of the reader before the upstream socket is paused. */
const BODY_BUFFER_BYTES = 1024 * 1024;

/** A response body and the blob offset of its first byte. */
export interface BlobSegment {
  body: Readable;
  start: number;
  /** Give back a chunk of this body no longer referenced anywhere (UpstreamResponse.recycle). */
  recycle?(chunk: Uint8Array): void;
  /** Hand the connection over mid-body (UpstreamResponse.handOver). */
  handOver?(): SocketHandOver | undefined;
}

export interface ResumableBlobOptions {
  upstream: string;
  digest: string;
  /** The blob's full size. */
  size: number;
  /** Blob offset of the first byte this stream yields. */
  offset: number;
  first: BlobSegment;
  /** A new body from `position` (a Range request); its start may be earlier (a 200): the excess is skipped. */
  reopen(position: number): Promise<BlobSegment>;
  maxResumes?: number;
  /** Pause before the n-th resume: n × this (default 100 ms). */
  resumeDelayMs?: number;
  signal?: AbortSignal;
}

/**
 * The bytes of a blob from `offset` to its end. When the upstream connection breaks midway (cut,
 * reset, idle timeout, short body) it asks `reopen` for the rest, at most `maxResumes` times, so
 * the reader sees one uninterrupted stream. Backpressure reaches the socket: a slow reader pauses
 * the upstream body, so memory stays bounded whatever the blob size.
 */
export class ResumableBlobBody extends Readable {
  private source: Readable | undefined;
  private recycleChunk: ((chunk: Uint8Array) => void) | undefined;
  private handOverSource: (() => SocketHandOver | undefined) | undefined;
  /** A receive (receiveInto) has the connection: the source is not to be resumed. */
  private receiving = false;
  private cancelReceive: (() => void) | undefined;
  /** Blob offset of the next byte the source will give. */
  private sourcePosition = 0;
  /** Blob offset of the next byte this stream pushes. */
  private position: number;
  private resumes = 0;
  private readonly onAbort = () => this.destroy(abortReason(this.options.signal));

  constructor(private readonly options: ResumableBlobOptions) {
    // Node's default 16 KiB buffer would pause and resume the socket for nearly every chunk.
    super({ highWaterMark: BODY_BUFFER_BYTES });
    this.position = options.offset;
    if (options.signal?.aborted === true) {
      destroyQuietly(options.first.body);
      process.nextTick(this.onAbort);
      return;
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.attach(options.first);
  }

  /** How many times the body was reopened so far. */
  get resumeCount(): number {
    return this.resumes;
  }

  override _read(): void {
    if (!this.receiving) this.source?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.cancelReceive?.();
    this.detach();
    callback(error);
  }

  /**
   * Read the rest of the body without JavaScript: the current connection goes to `receiver` (a
   * thread of its own writes and hashes the bytes), the bytes this stream holds unread first.
   * Resolves with the bytes received that way. All of the rest: this stream then ends. Part of it,
   * when the connection broke: this stream resumes from there as after any cut (or fails). None,
   * when the connection cannot be handed over (not one of its own, or mid-skip): nothing changed.
   * Only before anything was read from this stream.
   */
  async receiveInto(receiver: SocketReceiver): Promise<number> {
    const source = this.source;
    if (source === undefined || this.handOverSource === undefined || this.receiving || this.destroyed || this.sourcePosition !== this.position) return 0;
    const taken = this.handOverSource();
    if (taken === undefined) return 0;
    this.receiving = true;
    const held: Buffer[] = [];
    for (let chunk: Buffer | null; (chunk = this.read() as Buffer | null) !== null; ) held.push(chunk);
    const start = this.position - byteLength(held);
    if (this.position + byteLength(taken.pending) + taken.remaining > this.options.size) {
      this.receiving = false;
      taken.release();
      this.fail(this.longerThanAnnounced());
      return 0;
    }
    let received = 0;
    let failure: unknown;
    try {
      const job = receiver({ socketFd: taken.fd, prefix: [...held, ...taken.pending], length: taken.remaining, idleTimeoutMs: taken.idleTimeoutMs });
      this.cancelReceive = () => job.cancel();
      received = await job.done;
    } catch (error) {
      failure = error;
      received = error instanceof ReceiveError ? error.written : 0;
    } finally {
      this.cancelReceive = undefined;
      this.receiving = false;
      taken.release();
    }
    this.position = this.sourcePosition = start + received;
    if (this.destroyed || source !== this.source) return received;
    if (failure === undefined && this.position === this.options.size) {
      this.source = undefined;
      this.push(null);
    } else if (failure === undefined || (failure instanceof ReceiveError && failure.connectionFailed)) {
      // As after a cut: resumed from the last byte written, within the same limit of resumes.
      this.recover(source, failure ?? new Error(`body ended at byte ${this.position} of ${this.options.size}`));
    } else {
      this.fail(failure);
    }
    return received;
  }

  /**
   * Give back a chunk this stream gave out, once nothing references it: the current connection
   * reads into its memory again. A chunk of an earlier connection is left to the GC.
   */
  recycle(chunk: Uint8Array): void {
    this.recycleChunk?.(chunk);
  }

  private attach(segment: BlobSegment): void {
    const body = segment.body;
    this.source = body;
    this.recycleChunk = segment.recycle;
    this.handOverSource = segment.handOver;
    this.sourcePosition = segment.start;
    body.on('data', (chunk: Buffer) => this.onData(body, chunk));
    body.once('end', () => this.onEnd(body));
    body.once('error', (error) => this.recover(body, error));
  }

  private detach(): void {
    const body = this.source;
    this.source = undefined;
    if (body !== undefined) destroyQuietly(body);
  }

  private onData(body: Readable, chunk: Buffer): void {
    if (body !== this.source) return;
    let bytes = chunk;
    if (this.sourcePosition < this.position) {
      const skip = Math.min(bytes.length, this.position - this.sourcePosition);
      bytes = bytes.subarray(skip);
      this.sourcePosition += skip;
    }
    if (bytes.length === 0) return;
    this.sourcePosition += bytes.length;
    if (this.position + bytes.length > this.options.size) {
      this.fail(this.longerThanAnnounced());
      return;
    }
    this.position += bytes.length;
    if (!this.push(bytes)) body.pause();
  }

  private onEnd(body: Readable): void {
    if (body !== this.source) return;
    if (this.position === this.options.size) {
      this.source = undefined;
      this.push(null);
      return;
    }
    this.recover(body, new Error(`body ended at byte ${this.position} of ${this.options.size}`));
  }

  private recover(body: Readable, cause: unknown): void {
    if (body !== this.source || this.destroyed) return;
    this.detach();
    if (this.options.signal?.aborted === true) return void this.destroy(abortReason(this.options.signal));
    const max = this.options.maxResumes ?? DEFAULT_MAX_BLOB_RESUMES;
    if (cause instanceof UpstreamError || this.resumes >= max) {
      this.fail(cause instanceof UpstreamError || cause instanceof UpstreamUnavailableError ? cause : new UpstreamUnavailableError(
        this.options.upstream,
        'connection',
        `blob ${this.options.digest} broke at byte ${this.position} of ${this.options.size} after ${this.resumes} resumes`,
        { cause },
      ));
      return;
    }
    this.resumes += 1;
    void this.reopen();
  }

  private async reopen(): Promise<void> {
    const placeholder = new Readable({ read() {} }); // marks "reopening" so late events are ignored
    this.source = placeholder;
    try {
      await sleep(this.resumes * (this.options.resumeDelayMs ?? 100), undefined, this.options.signal ? { signal: this.options.signal } : {});
      const segment = await this.options.reopen(this.position);
      if (this.destroyed || this.source !== placeholder) return destroyQuietly(segment.body);
      if (segment.start > this.position) {
        destroyQuietly(segment.body);
        throw new UpstreamError(this.options.upstream, 206, new OciError('RANGE_INVALID', `upstream resumed blob ${this.options.digest} at ${segment.start}, not ${this.position}`));
      }
      this.attach(segment);
    } catch (error) {
      if (this.destroyed || this.source !== placeholder) return;
      // A resume that could not connect uses up another attempt; any other refusal is final.
      if (error instanceof UpstreamUnavailableError && error.reason !== 'offline') return this.recover(placeholder, error);
      this.source = undefined;
      this.fail(this.options.signal?.aborted === true ? abortReason(this.options.signal) : error);
    }
  }

  private longerThanAnnounced(): UpstreamError {
    return new UpstreamError(this.options.upstream, 200, new OciError('SIZE_INVALID', `blob ${this.options.digest} is longer than the announced ${this.options.size} bytes`));
  }

  private fail(error: unknown): void {
    this.detach();
    this.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function byteLength(chunks: Buffer[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

function destroyQuietly(body: Readable): void {
  body.removeAllListeners('data');
  body.on('error', () => undefined);
  body.destroy();
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('the blob read was aborted');
  error.name = 'AbortError';
  return error;
}
