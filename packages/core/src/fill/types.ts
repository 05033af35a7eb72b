import type { Readable } from 'node:stream';
import type { SocketReceiver } from '@berth/sendfile';
import type { BlobStore, ByteRange } from '@berth/storage';
import type { FillDigesterFactory } from './fill-digest.js';
import type { FillLock } from './fill-lock.js';

/**
 * What a fill reads from upstream: the declared size and the body. `UpstreamBlob` from the upstream
 * client has this shape; its body already resumes cut connections, so a body error is final.
 */
export interface FillSourceBlob {
  size: number;
  body: Readable;
  /** Takes back a body chunk once nothing references it (the spool calls it; see Spool.adopt). */
  recycle?(chunk: Uint8Array): void;
  /**
   * Hands the connection to `receiver` when it can (UpstreamBlob.receiveInto): the bytes go
   * straight into the spool. Resolves with the bytes received so; `body` gives the rest, if any.
   */
  receiveInto?(receiver: SocketReceiver): Promise<number>;
}

/** Opens the upstream blob; null when the upstream does not have it. Called at most once per fill. */
export type FillSource = () => Promise<FillSourceBlob | null>;

/** One reader's view of a blob being filled (or already stored). */
export interface FillRead {
  /** Size of the whole blob (not of the range). */
  size: number;
  /** The range served, clamped to the blob (absent for a whole-blob read). */
  range?: ByteRange;
  /** The bytes; destroyed with an error if the fill fails, never ended early. */
  stream: Readable;
  /** True when this read joined a fill that was already in flight. */
  joined: boolean;
}

/**
 * Counters for a metrics backend. digestMismatch and failed are exclusive: content that did not
 * verify (digest or size) counts as a mismatch, anything else (upstream, disk, store) as failed.
 */
export interface FillMetrics {
  fillStarted?(): void;
  /** A caller joined a fill already in flight instead of starting one. */
  coalesced?(): void;
  completed?(bytes: number): void;
  digestMismatch?(): void;
  failed?(error: unknown): void;
}

export interface FillLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** How long to wait for another replica's fill (it holds the lock) before giving up. */
export interface LockWaitOptions {
  /** Total wait before FillWaitTimeoutError (default 10 minutes). */
  timeoutMs?: number;
  /** First pause between store polls; doubles up to maxDelayMs (defaults 200 ms and 5 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface BlobFillsDeps {
  store: BlobStore;
  /** Directory for spool files; created if absent, emptied of leftover spool files at construction. */
  spoolDir: string;
  lock?: FillLock;
  metrics?: FillMetrics;
  logger?: FillLogger;
  lockWait?: LockWaitOptions;
  /**
   * Called with the verified blob right before its bytes are published to the store (garbage
   * collection: the blob is claimed so a collector cannot delete what is being published).
   */
  beforePublish?: (blob: { digest: string; size: number }) => Promise<void>;
  /** How fills hash the body (tests inject failing ones); default: sha256 on the thread pool when the addon is built. */
  digester?: FillDigesterFactory;
}
