import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { createDigester } from '@berth/oci';

/** How many sessions' running hashes a process keeps, and for how long unused. */
export interface UploadHashLimits {
  maxSessions: number;
  idleMs: number;
}

const DEFAULT_UPLOAD_HASH_LIMITS: UploadHashLimits = { maxSessions: 256, idleMs: 15 * 60_000 };

/**
 * The sha256 of an upload session's first `offset` bytes, fed as this process appended them.
 * `mark` is the session row's `updatedAt` after this process's last write to it: a claim that
 * finds the row still at that mark proves no other writer (another replica, or one whose claim
 * lapsed mid-write) has held the session since, so the stored bytes are the hashed ones.
 */
export class UploadHash {
  private hashed = 0;
  private finished = false;
  // On the event loop, chunk by chunk: with the socket's 64 KiB chunks, handing each to the thread
  // pool (the fill's ThreadedSha256) measured slower here (bench:blob, 512 MiB: 1.08-1.16x
  // distribution against 1.29-1.32x in-line) and cost more CPU.
  private readonly digester = createDigester('sha256');

  constructor(
    public offset: number,
    public mark: Date,
  ) {}

  /** When UploadHashes last stored it (its least-recently-used order). */
  usedAt = 0;

  /** Bytes hashed by `feed` since the last `advance`. */
  get pending(): number {
    return this.hashed;
  }

  /**
   * `body` with every byte also handed to the hash, in order.
   * A failure of either side destroys the other, as a pipeline does.
   */
  feed(body: Readable): Readable {
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.hashed += chunk.length;
        try {
          this.digester.update(chunk);
        } catch (error) {
          return callback(error instanceof Error ? error : new Error(String(error)));
        }
        callback(null, chunk);
      },
    });
    return pipeline(body, counter, () => undefined);
  }

  /**
   * The chunk fed since the last advance was stored and recorded up to `size` with the new row
   * mark. False (the hash is then unusable) unless the hashed bytes are exactly the chunk's.
   */
  advance(size: number, mark: Date): boolean {
    if (this.finished || this.offset + this.hashed !== size) return false;
    this.offset = size;
    this.hashed = 0;
    this.mark = mark;
    return true;
  }

  /** `sha256:<hex>` of the first `offset` bytes; ends the hash (it cannot be fed after). */
  async digest(): Promise<string> {
    if (this.finished || this.hashed !== 0) throw new Error('the upload hash was ended or has bytes not recorded');
    this.finished = true;
    return this.digester.digest();
  }
}

/**
 * This process's running upload hashes by session id: at most `maxSessions` (the least recently
 * used go first) and none idle longer than `idleMs`. A writer takes a session's hash out while it
 * writes and puts it back only after its chunk was stored and recorded, so a failed write loses it.
 */
export class UploadHashes {
  private readonly hashes = new Map<string, UploadHash>();

  constructor(
    private readonly limits: UploadHashLimits = DEFAULT_UPLOAD_HASH_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.hashes.size;
  }

  /** Remember `hash` for the session (a new session's, or one taken and advanced). */
  put(id: string, hash: UploadHash): void {
    hash.usedAt = this.now();
    this.hashes.delete(id);
    this.hashes.set(id, hash);
    this.prune();
  }

  /** The session's hash, removed (the caller owns it until it puts it back); undefined when none. */
  take(id: string): UploadHash | undefined {
    this.prune();
    const hash = this.hashes.get(id);
    this.hashes.delete(id);
    return hash;
  }

  drop(id: string): void {
    this.hashes.delete(id);
  }

  private prune(): void {
    const oldest = this.now() - this.limits.idleMs;
    for (const [id, hash] of this.hashes) {
      // Map order is the order of the last put: the first entry is the least recently used.
      if (this.hashes.size <= this.limits.maxSessions && hash.usedAt >= oldest) break;
      this.hashes.delete(id);
    }
  }
}
