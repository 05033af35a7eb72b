import { parseDigest } from '@berth/oci';
import { NotFoundError, RangeNotSatisfiableError } from '@berth/storage';
import type { BlobStore, ByteRange } from '@berth/storage';
import { BlobFill } from './blob-fill.js';
import type { BlobFillContext } from './blob-fill.js';
import { InProcessFillLock, reportingUnavailability } from './fill-lock.js';
import { prepareSpoolDir } from './spool-dir.js';
import { SpoolReader } from './spool-reader.js';
import type { BlobFillsDeps, FillRead, FillSource } from './types.js';

/**
 * Pull-through blob fills, one per digest, shared by everyone who wants that digest.
 *
 * The first `open` of a missing digest starts a fill (one upstream GET, spooled to disk while
 * hashed); every later `open` while it runs joins it and reads the growing spool from its own
 * offset; a range waits until the fill is verified and reads the stored blob. The blob reaches the
 * store only after its digest matched; on a mismatch or an upstream failure every reader errors
 * and the next `open` starts afresh.
 */
export class BlobFills {
  private readonly fills = new Map<string, BlobFill>();
  /** Fills not yet finished, including settled ones still cleaning up (spool, lock). */
  private readonly unfinished = new Set<Promise<void>>();
  private readonly context: BlobFillContext;
  private readonly store: BlobStore;
  private readonly prepared: Promise<void>;

  constructor(deps: BlobFillsDeps) {
    this.store = deps.store;
    this.context = {
      store: deps.store,
      spoolDir: deps.spoolDir,
      lock: deps.lock === undefined ? new InProcessFillLock() : reportingUnavailability(deps.lock),
      lockWait: deps.lockWait,
      metrics: deps.metrics ?? {},
      logger: deps.logger,
      beforePublish: deps.beforePublish,
      digester: deps.digester,
      onSettled: (fill) => {
        // Settled fills leave the map at once, so the next open after a failure starts a new fill.
        if (this.fills.get(fill.digest) === fill) this.fills.delete(fill.digest);
      },
    };
    this.prepared = prepareSpoolDir(deps.spoolDir).then((removed) => {
      if (removed > 0) deps.logger?.info({ spoolDir: deps.spoolDir, removed }, 'removed spool files left by an earlier run');
    });
    // Every open awaits `prepared` and sees a failure there; this only avoids an unhandled rejection.
    this.prepared.catch(() => undefined);
  }

  /** Fills in flight right now. */
  get activeFills(): number {
    return this.fills.size;
  }

  /**
   * Read `digest` (or the inclusive `range` of it), filling it from `source` unless a fill is
   * already in flight. Null when the upstream does not have it. `source` is called at most once,
   * and only by the caller that starts the fill. Rejects when the fill fails before the first
   * byte (a range: when it fails at all); a failure later destroys the stream with the error instead.
   */
  async open(digest: string, source: FillSource, range?: ByteRange): Promise<FillRead | null> {
    parseDigest(digest);
    await this.prepared;
    return this.openOnce(digest, source, range, true);
  }

  /** Resolve once no fill is in flight and every finished fill has cleaned up (for shutdown and tests). */
  async drain(): Promise<void> {
    await this.prepared.catch(() => undefined);
    while (this.unfinished.size > 0) await Promise.all([...this.unfinished]);
  }

  private async openOnce(digest: string, source: FillSource, range: ByteRange | undefined, retry: boolean): Promise<FillRead | null> {
    let fill = this.fills.get(digest);
    const joined = fill !== undefined;
    if (fill === undefined) {
      // Registered before any await: concurrent opens of this digest all find this fill.
      fill = new BlobFill(digest, source, this.context);
      if (fill.state === 'running') this.fills.set(digest, fill);
      const finished = fill.finished;
      this.unfinished.add(finished);
      void finished.then(() => this.unfinished.delete(finished));
    } else {
      this.context.metrics.coalesced?.();
    }
    const start = await fill.started;
    if (start.kind === 'missing') return null;
    if (start.kind === 'spooling' && fill.state === 'running') {
      // A whole-body reader follows the spool: its last byte is withheld until the digest matched,
      // so a client never accepts a body that failed verification.
      if (range === undefined) return { size: start.size, range: undefined, stream: new SpoolReader(start.spool), joined };
      // A range has no such guard (it may end before the last byte): it is answered from the store
      // once the fill verified and stored the whole blob. An unsatisfiable one is refused at once.
      clampRange(range, start.size);
      await fill.settled;
    }
    if (start.kind === 'spooling' && fill.state === 'failed') throw fill.failure ?? new Error(`blob ${digest}: fill failed`);
    const stored = await this.readStored(digest, range, joined);
    if (stored !== null) return stored;
    // Stored a moment ago, gone now (deleted): fill it again, once.
    if (retry) return this.openOnce(digest, source, range, false);
    throw new NotFoundError(`blob ${digest}`);
  }

  private async readStored(digest: string, range: ByteRange | undefined, joined: boolean): Promise<FillRead | null> {
    const info = await this.store.stat(digest);
    if (info === null) return null;
    const resolved = range === undefined ? undefined : clampRange(range, info.size);
    try {
      return { size: info.size, range: resolved, stream: await this.store.read(digest, resolved), joined };
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}

/** The inclusive range checked against a blob of `size` bytes, its end clamped to the last byte. */
function clampRange(range: ByteRange, size: number): ByteRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || start >= size) {
    throw new RangeNotSatisfiableError(range, size);
  }
  return { start, end: Math.min(end, size - 1) };
}
