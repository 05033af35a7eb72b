import type { Readable } from 'node:stream';
import { OciError, parseDigest, satisfiableRange } from '@berth/oci';
import { isDatabaseUnavailable, type MetadataStore } from '@berth/db';
import { DigestMismatchError, type BlobStore, type ByteRange } from '@berth/storage';
import { BlobSizeMismatchError, FillLockUnavailableError, FillWaitTimeoutError, type BlobFills, type FillRead } from '../fill/index.js';
import { mapStorageError } from '../storage-errors.js';
import type { CacheOutcome } from './cache-status.js';
import { NegativeCache } from './negative-cache.js';
import type { UpstreamBlob } from '@berth/upstream';
import type { ProxyContext, ProxyUpstream } from './proxy-context.js';
import { askInOrder, foundOrThrow, preferring, UpstreamSources } from './upstream-order.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { upstreamFailure } from './upstream-errors.js';

const MAX_REMEMBERED_LINKS = 100_000;
/**
 * How long this process trusts that a repository links a blob without asking the database again.
 * Deletes, purges and evictions (here, or on another replica through the change notices) forget
 * these at once; a notice lost to an unreachable Redis leaves a stale one for at most this long.
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
 * Blobs of proxy projects. The store is shared by digest, but a repository is answered from it only
 * for a blob it links, or after its own upstream (with the project's credentials) confirmed that
 * blob for that repository, which then links it: bytes another project (a private hosted one, say)
 * stored are never served or even confirmed through a proxy project whose upstream lacks them.
 * Uncached blobs come through the shared fill (one upstream GET per digest, streamed to every
 * reader while it is stored). HEAD of an uncached blob is one upstream HEAD.
 */
export class ProxyBlobs {
  private readonly absent = new NegativeCache();
  /** `<repository>@<digest>` -> when this process last saw or wrote that link. */
  private readonly linked = new Map<string, number>();
  /** Repositories whose own upstream GET started the fill of a digest: their joiners need no HEAD. */
  private readonly fillOrigins = new Map<string, Set<string>>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: BlobStore,
    private readonly fills: BlobFills,
    private readonly metrics: ProxyMetrics,
    private readonly now: () => number = Date.now,
    /** Which upstream served the manifests naming a blob (shared with ProxyManifests): asked first. */
    private readonly sources: UpstreamSources = new UpstreamSources(),
  ) {}

  async stat(ctx: ProxyContext, digest: string): Promise<ProxiedBlobInfo> {
    parseDigest(digest);
    const stored = await this.storedFor(ctx, digest);
    if (stored !== null) return { digest, size: stored.size, outcome: stored.outcome };
    return { digest, size: await this.upstreamSize(ctx, digest), outcome: { kind: 'miss', stored: false } };
  }

  /**
   * The stored blob when this repository may be answered from the store: it links the blob, or the
   * upstream has just confirmed it (then it is linked). Null when the store lacks the bytes;
   * BLOB_UNKNOWN when the upstream does not have them for this repository.
   */
  private async storedFor(ctx: ProxyContext, digest: string): Promise<{ size: number; outcome: CacheOutcome } | null> {
    const stored = await this.store.stat(digest);
    if (stored === null) return null;
    if (await this.isLinked(ctx, digest)) return { size: stored.size, outcome: { kind: 'hit' } };
    // Stored for another repository or project: only the upstream's word admits it here.
    await this.upstreamSize(ctx, digest);
    await this.linkServed(ctx, digest, stored.size);
    return { size: stored.size, outcome: { kind: 'revalidated' } };
  }

  /**
   * An uncached blob's size from an upstream HEAD (the upstream that served the manifest naming it
   * first, then the others in order); BLOB_UNKNOWN (remembered) when none has it for this repository.
   */
  private async upstreamSize(ctx: ProxyContext, digest: string): Promise<number> {
    this.assertNotKnownAbsent(ctx, digest);
    let head;
    try {
      head = await this.askUpstreams(ctx, digest, (upstream) => upstream.client.headBlob(upstream.repository, digest));
    } catch (error) {
      return upstreamFailure(error, `blob ${digest}`);
    }
    return head === null ? this.rememberAbsent(ctx, digest) : head.size;
  }

  /** The project's upstreams, the one known to have served this blob's manifest first. */
  private upstreamsFor(ctx: ProxyContext, digest: string): readonly ProxyUpstream[] {
    return preferring(ctx.upstreams, ctx.upstreams.length > 1 ? this.sources.of(ctx, digest) : undefined);
  }

  /**
   * The fill's source: a GET from each upstream in turn until one has the blob (a HEAD or a
   * manifest usually named the right one first, so that is one GET). Null when none has it.
   */
  private async openFromUpstreams(ctx: ProxyContext, digest: string): Promise<UpstreamBlob | null> {
    return this.askUpstreams(ctx, digest, (upstream) => upstream.client.openBlob(upstream.repository, digest));
  }

  /**
   * Ask the upstreams in order (this blob's known source first) until one has it, and remember that
   * one. Null when none has it; throws why when none could say (unavailable, refused).
   */
  private async askUpstreams<T>(ctx: ProxyContext, digest: string, ask: (upstream: ProxyUpstream) => Promise<T | null>): Promise<T | null> {
    const found = foundOrThrow(await askInOrder(this.upstreamsFor(ctx, digest), ask));
    if (found !== null) this.sources.record(ctx, digest, found.upstream.name);
    return found?.value ?? null;
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
    const stored = await this.storedFor(ctx, digest);
    if (stored !== null) {
      const range = rangeHeader === undefined ? undefined : satisfiableRange(rangeHeader, stored.size);
      let stream: Readable;
      try {
        stream = await this.store.read(digest, range);
      } catch (error) {
        mapStorageError(error, { digest });
      }
      this.metrics.hit(ctx.project.name, 'blob', range === undefined ? stored.size : range.end - range.start + 1);
      return { digest, size: stored.size, ...(range !== undefined ? { range } : {}), stream, outcome: stored.outcome };
    }
    // A range of an uncached blob needs its size first: one upstream HEAD, which also confirms the
    // blob. The fill answers it only once the whole blob verified (a range cannot withhold a last
    // byte as a whole read does).
    const range = rangeHeader === undefined ? undefined : satisfiableRange(rangeHeader, await this.upstreamSize(ctx, digest));
    this.assertNotKnownAbsent(ctx, digest);
    const filled = await this.openFill(ctx, digest, range);
    // Joined a fill another repository's request started (or one that landed meanwhile): this
    // repository's upstream has not vouched for the blob yet.
    if (range === undefined && !this.fillOrigins.get(digest)?.has(ctx.name)) {
      try {
        await this.upstreamSize(ctx, digest);
      } catch (error) {
        filled.stream.destroy();
        throw error;
      }
    }
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

  /** Start or join the fill of `digest`; a fill this repository starts records it as the fill's origin. */
  private async openFill(ctx: ProxyContext, digest: string, range: ByteRange | undefined): Promise<FillRead> {
    let read: FillRead | null;
    let origins: Set<string> | undefined;
    const source = () => {
      origins = this.fillOrigins.get(digest) ?? new Set<string>();
      origins.add(ctx.name);
      this.fillOrigins.set(digest, origins);
      return this.openFromUpstreams(ctx, digest);
    };
    try {
      read = await this.fills.open(digest, source, range);
    } catch (error) {
      this.forgetOrigin(digest, origins, ctx);
      return failure(error, digest);
    }
    if (read === null) {
      this.forgetOrigin(digest, origins, ctx);
      return this.rememberAbsent(ctx, digest);
    }
    if (origins !== undefined) read.stream.once('close', () => this.forgetOrigin(digest, origins, ctx));
    return read;
  }

  private forgetOrigin(digest: string, origins: Set<string> | undefined, ctx: ProxyContext): void {
    if (origins === undefined) return;
    origins.delete(ctx.name);
    if (origins.size === 0 && this.fillOrigins.get(digest) === origins) this.fillOrigins.delete(digest);
  }

  /**
   * Make sure the repository has the blob, cached and linked: stored and linked (or confirmed by
   * the upstream, then linked), fetched through the fill now, or absent upstream. Used for
   * prefetch, and for a manifest pushed into the proxy project that names blobs the repository
   * has only upstream (clients skip uploading a blob whose HEAD answered 200, and Berth answers
   * that HEAD from the upstream).
   */
  async ensureCached(ctx: ProxyContext, digest: string): Promise<'stored' | 'fetched' | 'absent'> {
    try {
      if ((await this.storedFor(ctx, digest)) !== null) return 'stored';
      const blob = await this.read(ctx, digest, undefined);
      for await (const chunk of blob.stream as AsyncIterable<Buffer>) void chunk; // stored as it is read
      await this.link(ctx, digest, blob.size);
      return 'fetched';
    } catch (error) {
      if (error instanceof OciError && error.code === 'BLOB_UNKNOWN') return 'absent';
      throw error;
    }
  }

  /**
   * Forget which links this process knows of, for one repository (`name@`) or a whole project
   * (`project/`): after a delete, a purge or an eviction removed them, the next read asks again.
   */
  forgetLinks(namePrefix: string): void {
    for (const key of this.linked.keys()) if (key.startsWith(namePrefix)) this.linked.delete(key);
  }

  /** Whether the repository links the blob (remembered for LINK_MEMORY_MS, else one database read). */
  private async isLinked(ctx: ProxyContext, digest: string): Promise<boolean> {
    const key = `${ctx.name}@${digest}`;
    const seenAt = this.linked.get(key);
    if (seenAt !== undefined && this.now() - seenAt < LINK_MEMORY_MS) return true;
    try {
      const repository = await this.metadata.getRepository(ctx.name);
      if (repository === null || (await this.metadata.getLinkedBlob(repository.id, digest)) === null) return false;
    } catch (error) {
      // The database is down: the upstream's confirmation stands in for the link (see storedFor).
      if (isDatabaseUnavailable(error)) return false;
      throw error;
    }
    this.remember(key);
    return true;
  }

  /**
   * Link a blob the upstream has just confirmed. While the database is down the confirmation alone
   * admits it (the access check is the upstream's word, not the row); a later read links it.
   */
  private async linkServed(ctx: ProxyContext, digest: string, size: number): Promise<void> {
    try {
      await this.link(ctx, digest, size);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
    }
  }

  /** Record that the repository has the blob (idempotent). */
  private async link(ctx: ProxyContext, digest: string, size: number): Promise<void> {
    const key = `${ctx.name}@${digest}`;
    const seenAt = this.linked.get(key);
    if (seenAt !== undefined && this.now() - seenAt < LINK_MEMORY_MS) return;
    // Bytes a collector is deleting right now are not linked: the next read fetches them again.
    if (!(await this.metadata.claimBlob({ digest, size }))) return;
    const repository = await this.metadata.ensureRepository(ctx.project.id, ctx.name);
    await this.metadata.linkBlob(repository.id, { digest, size });
    this.remember(key);
  }

  private remember(key: string): void {
    this.linked.set(key, this.now());
    // A bounded memory of links: forgetting one costs a database read later.
    if (this.linked.size > MAX_REMEMBERED_LINKS) this.linked.clear();
  }
}

/** Storage errors (range, digest mismatch) as OCI errors; upstream errors as UNAVAILABLE or the upstream's own. */
function failure(error: unknown, digest: string): never {
  if (error instanceof FillLockUnavailableError || error instanceof FillWaitTimeoutError) {
    throw new OciError('UNAVAILABLE', `blob ${digest} cannot be fetched now: ${error.message}`, { cause: error });
  }
  if (error instanceof DigestMismatchError || error instanceof BlobSizeMismatchError) {
    // A range waits for the fill's verification and hears of a mismatch here: the upstream's fault.
    throw new OciError('UNAVAILABLE', `the upstream sent blob ${digest} with content that failed verification: ${error.message}`, { status: 502, cause: error });
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
