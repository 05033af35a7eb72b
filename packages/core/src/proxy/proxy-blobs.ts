import type { Readable } from 'node:stream';
import { OciError, parseDigest, satisfiableRange } from '@berth/oci';
import { isDatabaseUnavailable, type MetadataStore } from '@berth/db';
import type { BlobStore, ByteRange } from '@berth/storage';
import { FillLockUnavailableError, FillWaitTimeoutError, type BlobFills } from '../fill/index.js';
import { mapStorageError } from '../storage-errors.js';
import type { CacheOutcome } from './cache-status.js';
import { NegativeCache } from './negative-cache.js';
import type { ProxyContext } from './proxy-context.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { upstreamFailure } from './upstream-errors.js';

const MAX_REMEMBERED_LINKS = 100_000;
/**
 * A link is re-written at most this often per repository and blob. Eviction (another process)
 * may remove it; a pull after that re-links within this time, long before a collector could
 * delete the blob (its grace period is far longer).
 */
const LINK_MEMORY_MS = 60_000;

export interface ProxiedBlobInfo {
  digest: string;
  size: number;
  outcome: CacheOutcome;
}

export interface ProxiedBlob extends ProxiedBlobInfo {
  /** The range served, when the client asked for one. */
  range?: ByteRange;
  stream: Readable;
}

/**
 * Blobs of proxy projects: from the store when cached, else through the shared fill (one upstream
 * GET per digest, streamed to every reader while it is stored). HEAD of an uncached blob is one
 * upstream HEAD, with nothing downloaded.
 */
export class ProxyBlobs {
  private readonly absent = new NegativeCache();
  private readonly linked = new Map<string, number>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: BlobStore,
    private readonly fills: BlobFills,
    private readonly metrics: ProxyMetrics,
  ) {}

  async stat(ctx: ProxyContext, digest: string): Promise<ProxiedBlobInfo> {
    parseDigest(digest);
    const stored = await this.store.stat(digest);
    if (stored !== null) {
      await this.linkServed(ctx, digest, stored.size);
      return { digest, size: stored.size, outcome: { kind: 'hit' } };
    }
    return { digest, size: await this.upstreamSize(ctx, digest), outcome: { kind: 'miss', stored: false } };
  }

  /** An uncached blob's size from one upstream HEAD; BLOB_UNKNOWN (remembered) when it has none. */
  private async upstreamSize(ctx: ProxyContext, digest: string): Promise<number> {
    this.assertNotKnownAbsent(ctx, digest);
    let head;
    try {
      head = await ctx.upstream.headBlob(ctx.upstreamName, digest);
    } catch (error) {
      return upstreamFailure(error, `blob ${digest}`);
    }
    if (head === null) this.rememberAbsent(ctx, digest);
    return head.size;
  }

  private assertNotKnownAbsent(ctx: ProxyContext, digest: string): void {
    if (this.absent.has(absentKey(ctx, digest))) throw blobUnknown(digest);
  }

  private rememberAbsent(ctx: ProxyContext, digest: string): never {
    this.absent.add(absentKey(ctx, digest), ctx.settings.negativeTtlSeconds * 1000);
    throw blobUnknown(digest);
  }

  /** The blob (or the range the Range header asks for), from the store or the fill. */
  async read(ctx: ProxyContext, digest: string, rangeHeader: string | undefined): Promise<ProxiedBlob> {
    parseDigest(digest);
    const stored = await this.store.stat(digest);
    if (stored !== null) {
      const range = rangeHeader === undefined ? undefined : satisfiableRange(rangeHeader, stored.size);
      let stream: Readable;
      try {
        stream = await this.store.read(digest, range);
      } catch (error) {
        mapStorageError(error, { digest });
      }
      await this.linkServed(ctx, digest, stored.size);
      this.metrics.hit(ctx.project.name, 'blob', range === undefined ? stored.size : range.end - range.start + 1);
      return { digest, size: stored.size, ...(range !== undefined ? { range } : {}), stream, outcome: { kind: 'hit' } };
    }
    // A range of an uncached blob needs its size first: one upstream HEAD.
    const range = rangeHeader === undefined ? undefined : satisfiableRange(rangeHeader, await this.upstreamSize(ctx, digest));
    this.assertNotKnownAbsent(ctx, digest);
    let read;
    try {
      read = await this.fills.open(digest, () => ctx.upstream.openBlob(ctx.upstreamName, digest), range);
    } catch (error) {
      return failure(error, digest);
    }
    if (read === null) return this.rememberAbsent(ctx, digest);
    const filled = read;
    const bytes = filled.range === undefined ? filled.size : filled.range.end - filled.range.start + 1;
    if (filled.joined) this.metrics.coalesced(ctx.project.name);
    this.metrics.miss(ctx.project.name, 'blob', bytes);
    filled.stream.once('end', () => void this.link(ctx, digest, filled.size).catch(() => undefined));
    return {
      digest,
      size: filled.size,
      ...(filled.range !== undefined ? { range: filled.range } : {}),
      stream: filled.stream,
      outcome: filled.joined ? { kind: 'coalesced' } : { kind: 'miss', stored: true },
    };
  }

  /**
   * Make sure the repository has the blob, cached and linked: already stored (only the link is
   * written), fetched through the fill now, or absent upstream. Used for prefetch, and for a
   * manifest pushed into the proxy project that names blobs the repository has only upstream
   * (clients skip uploading a blob whose HEAD answered 200, and Berth answers that HEAD from the
   * upstream).
   */
  async ensureCached(ctx: ProxyContext, digest: string): Promise<'stored' | 'fetched' | 'absent'> {
    const stored = await this.store.stat(digest);
    if (stored !== null) {
      await this.link(ctx, digest, stored.size);
      return 'stored';
    }
    let blob: ProxiedBlob;
    try {
      blob = await this.read(ctx, digest, undefined);
    } catch (error) {
      if (error instanceof OciError && error.code === 'BLOB_UNKNOWN') return 'absent';
      throw error;
    }
    for await (const chunk of blob.stream as AsyncIterable<Buffer>) void chunk; // stored as it is read
    await this.link(ctx, digest, blob.size);
    return 'fetched';
  }

  /**
   * Forget which links this process made recently, for one repository (`name`) or a whole project
   * (`project/`): after a purge or an eviction removed them, the next read links the blob again.
   */
  forgetLinks(namePrefix: string): void {
    for (const key of this.linked.keys()) if (key.startsWith(namePrefix)) this.linked.delete(key);
  }

  /**
   * Link a stored blob that is about to be served. The link is bookkeeping (eviction, collection),
   * not an access check: a proxy project's cached blobs are shared across its repositories. So
   * while the database is down, a cached blob is still served, unlinked; a later read links it.
   */
  private async linkServed(ctx: ProxyContext, digest: string, size: number): Promise<void> {
    try {
      await this.link(ctx, digest, size);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
    }
  }

  /** Record that the repository has the blob (idempotent writes, so skipped when done recently). */
  private async link(ctx: ProxyContext, digest: string, size: number): Promise<void> {
    const key = `${ctx.name}@${digest}`;
    const linkedAt = this.linked.get(key);
    if (linkedAt !== undefined && Date.now() - linkedAt < LINK_MEMORY_MS) return;
    // Bytes a collector is deleting right now are not linked: the next read fetches them again.
    if (!(await this.metadata.claimBlob({ digest, size }))) return;
    const repository = await this.metadata.ensureRepository(ctx.project.id, ctx.name);
    await this.metadata.linkBlob(repository.id, { digest, size });
    this.linked.set(key, Date.now());
    // A bounded memory of links: forgetting one costs a redundant, harmless write later.
    if (this.linked.size > MAX_REMEMBERED_LINKS) this.linked.clear();
  }
}

/** Storage errors (range, digest mismatch) as OCI errors; upstream errors as UNAVAILABLE or the upstream's own. */
function failure(error: unknown, digest: string): never {
  if (error instanceof FillLockUnavailableError || error instanceof FillWaitTimeoutError) {
    throw new OciError('UNAVAILABLE', `blob ${digest} cannot be fetched now: ${error.message}`, { cause: error });
  }
  try {
    mapStorageError(error, { digest });
  } catch (mapped) {
    return upstreamFailure(mapped, `blob ${digest}`);
  }
}

function absentKey(ctx: ProxyContext, digest: string): string {
  return `${ctx.project.id}:${ctx.name}@${digest}`;
}

function blobUnknown(digest: string): OciError {
  return new OciError('BLOB_UNKNOWN', `blob ${digest} is not in the cache nor upstream`, { detail: { digest } });
}
