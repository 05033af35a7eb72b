import type { Readable } from 'node:stream';
import { parseDigest } from '@berth/oci';
import { chunksAsPushed, DigestMismatchError } from '@berth/storage';
import type { BlobStore } from '@berth/storage';
import { BlobSizeMismatchError } from './errors.js';
import { defaultFillDigester, type FillDigester, type FillDigesterFactory } from './fill-digest.js';
import type { FillLock, FillLockLease } from './fill-lock.js';
import { acquireOrAwaitFill } from './lock-wait.js';
import { spoolPath } from './spool-dir.js';
import { SpoolReader } from './spool-reader.js';
import { Spool, type SpoolFile } from './spool.js';
import type { FillLogger, FillMetrics, FillSource, FillSourceBlob, LockWaitOptions } from './types.js';

/** How a fill began: the blob was (or became) stored, the upstream lacks it, or bytes are spooling. */
export type FillStart = { kind: 'stored' } | { kind: 'missing' } | { kind: 'spooling'; size: number; spool: Spool };

export type FillState = 'running' | 'done' | 'failed';

export interface BlobFillContext {
  store: BlobStore;
  spoolDir: string;
  lock: FillLock;
  lockWait?: LockWaitOptions;
  metrics: FillMetrics;
  logger?: FillLogger;
  beforePublish?: (blob: { digest: string; size: number }) => Promise<void>;
  /** How the body is hashed (default: sha256 on the thread pool when the addon is built). */
  digester?: FillDigesterFactory;
  /** Called synchronously once the outcome is known, before any reader hears of it. */
  onSettled(fill: BlobFill): void;
}

/**
 * One fill of one digest: take the lock (or wait for the replica holding it), call the source once,
 * spool and hash the body, verify, publish into the store. Runs to the end whoever is reading.
 */
export class BlobFill {
  /** Rejects when the fill failed before any byte could be spooled. */
  readonly started: Promise<FillStart>;
  /** Resolves once the outcome is known (state is 'done' or 'failed'); never rejects. */
  readonly settled: Promise<void>;
  /** Resolves when everything is over, spool removed and lock released; never rejects. */
  readonly finished: Promise<void>;
  private current: FillState = 'running';
  private error: Error | undefined;
  private hasStarted = false;
  private resolveStart!: (start: FillStart) => void;
  private rejectStart!: (error: Error) => void;
  private resolveSettled!: () => void;

  constructor(
    readonly digest: string,
    source: FillSource,
    private readonly context: BlobFillContext,
  ) {
    this.started = new Promise<FillStart>((resolve, reject) => {
      this.resolveStart = resolve;
      this.rejectStart = reject;
    });
    this.settled = new Promise<void>((resolve) => {
      this.resolveSettled = resolve;
    });
    // Openers await `started`; this keeps a rejection nobody awaits from being reported as unhandled.
    this.started.catch(() => undefined);
    // run() handles its own errors; this only catches a throwing metrics or logger hook.
    this.finished = this.run(source).catch((error: unknown) => context.logger?.warn({ digest, error: String(error) }, 'blob fill hook threw'));
  }

  get state(): FillState {
    return this.current;
  }

  /** Why the fill failed (set when state is 'failed'). */
  get failure(): Error | undefined {
    return this.error;
  }

  private async run(source: FillSource): Promise<void> {
    const { store, lock, lockWait, metrics, logger } = this.context;
    let lease: FillLockLease | undefined;
    let body: Readable | undefined;
    let spool: Spool | undefined;
    let file: Promise<SpoolFile> | undefined;
    try {
      const locked = await acquireOrAwaitFill(this.digest, store, lock, lockWait);
      if (locked === 'stored') return this.finishEarly({ kind: 'stored' });
      lease = locked.lease;
      // Under the lock, look again: a fill (here or on another replica) may just have finished.
      if ((await store.stat(this.digest)) !== null) return this.finishEarly({ kind: 'stored' });

      const startedAt = Date.now();
      // Created while the upstream answers: one step less before the first byte.
      file = Spool.createFile(spoolPath(this.context.spoolDir, this.digest));
      file.catch(() => undefined); // awaited below, or abandoned
      const blob = await source();
      if (blob === null) return this.finishEarly({ kind: 'missing' });
      metrics.fillStarted?.();
      body = blob.body;
      if (!Number.isSafeInteger(blob.size) || blob.size < 0) throw new Error(`blob ${this.digest}: upstream gave no usable size (${blob.size})`);
      logger?.info({ digest: this.digest, size: blob.size }, 'blob fill started');

      const digester = (this.context.digester ?? defaultFillDigester)(parseDigest(this.digest).algorithm);
      // A chunk goes back to the upstream connection's reads only once it is hashed as well.
      const recycle = blob.recycle === undefined ? undefined : (chunk: Uint8Array) => digester.whenHashed(chunk, () => blob.recycle!(chunk));
      spool = Spool.adopt(await file, blob.size, recycle);
      this.hasStarted = true;
      this.resolveStart({ kind: 'spooling', size: blob.size, spool });

      if (blob.receiveInto !== undefined && digester.receiveIntoFile !== undefined) await receiveDirectly(blob.receiveInto, spool, digester.receiveIntoFile);
      await spoolAndVerify(blob.body, spool, digester, this.digest, blob.size);
      spool.seal();
      await this.context.beforePublish?.({ digest: this.digest, size: blob.size });
      await publish(store, spool, this.digest, blob.size);

      this.settle('done');
      metrics.completed?.(blob.size);
      logger?.info({ digest: this.digest, bytes: blob.size, durationMs: Date.now() - startedAt }, 'blob fill complete');
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      this.settle('failed', error);
      if (this.hasStarted) spool?.fail(error);
      else this.rejectStart(error);
      const mismatch = error instanceof DigestMismatchError || error instanceof BlobSizeMismatchError;
      if (mismatch) metrics.digestMismatch?.();
      else metrics.failed?.(error);
      logger?.warn({ digest: this.digest, error: error.message }, mismatch ? 'blob fill discarded: content did not verify' : 'blob fill failed');
    } finally {
      // Harmless when the body was read to its end; otherwise stops the upstream transfer.
      body?.destroy();
      if (spool !== undefined) await spool.discard();
      else if (file !== undefined) await Spool.abandon(file);
      await lease?.release().catch((error: unknown) => logger?.warn({ digest: this.digest, error: String(error) }, 'fill lock release failed'));
    }
  }

  /** No bytes to spool: the blob is in the store, or the upstream does not have it. */
  private finishEarly(start: FillStart): void {
    this.settle('done');
    this.hasStarted = true;
    this.resolveStart(start);
  }

  private settle(state: FillState, error?: Error): void {
    this.current = state;
    this.error = error;
    this.context.onSettled(this);
    this.resolveSettled();
  }
}

/**
 * Make the verified spool the stored blob: moved into place when the store can adopt the file
 * (filesystem store on the same filesystem; readers keep reading through their open handle),
 * else streamed through the store's own verified write.
 */
async function publish(store: BlobStore, spool: Spool, digest: string, size: number): Promise<void> {
  if (store.adoptVerifiedFile !== undefined && (await store.adoptVerifiedFile(spool.path, { digest, size }))) return;
  const publishing = new SpoolReader(spool);
  try {
    await store.write(publishing, { expected: digest });
  } finally {
    publishing.destroy(); // releases its spool reference even if the store never read it
  }
}

/**
 * The body straight off the upstream socket into the spool, written and hashed by a thread of its
 * own (plain HTTP upstreams: the connection can be handed over), readers following as it lands.
 * What is left afterwards (a broken connection resumed) comes through the body as usual.
 */
async function receiveDirectly(
  receiveInto: NonNullable<FillSourceBlob['receiveInto']>,
  spool: Spool,
  receiveIntoFile: NonNullable<FillDigester['receiveIntoFile']>,
): Promise<void> {
  const offset = spool.bytesAccepted;
  await receiveInto((bytes) => receiveIntoFile(bytes, { fd: spool.fd, offset, onWritten: (written) => spool.advanceTo(offset + written) }));
}

/**
 * Copy the body into the spool while hashing it; throw unless digest and size are as declared.
 * The digester may hash on another thread: the spool's writes (and its readers' sends) overlap it,
 * and the last byte stays withheld from readers until the caller seals the spool after this returns.
 */
async function spoolAndVerify(body: Readable, spool: Spool, digester: FillDigester, digest: string, declaredSize: number): Promise<void> {
  // Chunk by chunk as the upstream read them: no concatenated copies, and its buffers come back.
  for await (const bytes of chunksAsPushed(body)) {
    // Stop a body running past its declared size now, rather than spooling whatever it sends.
    if (spool.bytesAccepted + bytes.length > declaredSize) {
      throw new BlobSizeMismatchError(digest, declaredSize, spool.bytesAccepted + bytes.length);
    }
    await digester.update(bytes);
    await spool.append(bytes);
  }
  await spool.flush();
  const actual = await digester.digest();
  if (actual !== digest) throw new DigestMismatchError(digest, actual);
  if (spool.bytesWritten !== declaredSize) throw new BlobSizeMismatchError(digest, declaredSize, spool.bytesWritten);
}
