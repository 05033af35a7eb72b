import type { ProjectPulls } from '../project-pulls.js';
import { OciError, parseManifest, parseReference, referencedBlobs, referencedManifests, type ParsedManifest } from '@berth/oci';
import type { ManifestRow, MetadataStore, RepositoryRow, TagRow } from '@berth/db';
import type { FetchedManifest } from '@berth/upstream';
import type { StoredManifest } from '../manifests.js';
import type { CacheOutcome } from './cache-status.js';
import type { ContentVersions } from './content-versions.js';
import type { BackgroundWork } from '../lifecycle/background-work.js';
import type { ManifestPulls } from '../lifecycle/manifest-pulls.js';
import { ManifestMemory } from './manifest-memory.js';
import { CosignTagMerge } from './cosign-tag-merge.js';
import { isCosignTag } from './cosign-tags.js';
import { isReferrerTag } from './push-policy.js';
import { NegativeCache } from './negative-cache.js';
import { nameIfSeveral, type ProxyContext } from './proxy-context.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { SingleFlight } from './single-flight.js';
import { UPSTREAM_MANIFEST_ACCEPT } from './upstream-accept.js';
import { askInOrder, failureOf, foundOrThrow, preferring, UpstreamSources } from './upstream-order.js';
import { unavailableReason, upstreamFailure } from './upstream-errors.js';

export interface ProxiedManifest {
  manifest: StoredManifest;
  outcome: CacheOutcome;
}

/**
 * Manifests of proxy projects. By digest: the cache, else one upstream GET. By tag: the cache within
 * the tag TTL; after it one upstream HEAD, and a GET only when the digest changed; the cached copy
 * while the upstream is unavailable (up to max-stale).
 */
export class ProxyManifests {
  private readonly fetches = new SingleFlight<{ manifest: FetchedManifest; upstream: string } | null>();
  private readonly absent = new NegativeCache();
  private readonly memory = new ManifestMemory();
  private readonly cosignTags: CosignTagMerge;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly metrics: ProxyMetrics,
    private readonly now: () => number = Date.now,
    private readonly pulls?: ProjectPulls,
    /** Told when a cached manifest may change referrers answers (it has a subject, or a referrers tag). */
    private readonly versions?: ContentVersions,
    private readonly lifecycle?: { pulls: ManifestPulls; background?: BackgroundWork },
    /** Which upstream served a tag or digest (shared with ProxyBlobs): several upstreams only. */
    private readonly sources: UpstreamSources = new UpstreamSources(),
  ) {
    this.cosignTags = new CosignTagMerge(metadata, async (ctx, digest) => (await this.fetch(ctx, digest)).manifest, versions);
  }

  async get(ctx: ProxyContext, reference: string): Promise<ProxiedManifest> {
    const result = await this.lookup(ctx, reference);
    this.lifecycle?.pulls.record(ctx.name, result.manifest.digest);
    return result;
  }

  private async lookup(ctx: ProxyContext, reference: string): Promise<ProxiedManifest> {
    const ref = parseReference(reference);
    this.pulls?.record(ctx.project.id);
    // The hot path: a digest, or a tag within its TTL, answered from memory with no I/O at all.
    const remembered = this.memory.get(ctx.project.id, ctx.name, reference);
    if (remembered !== undefined) {
      if (remembered.checkedAt === undefined) return this.hit(ctx, remembered.manifest);
      const ageSeconds = (this.now() - remembered.checkedAt) / 1000;
      if (ageSeconds < ctx.settings.tagTtlSeconds) return this.hit(ctx, remembered.manifest, ctx.settings.tagTtlSeconds - ageSeconds);
    }
    const repository = await this.metadata.getRepository(ctx.name);
    return ref.kind === 'digest' ? this.byDigest(ctx, repository, ref.digest) : this.byTag(ctx, repository, ref.tag);
  }

  /**
   * The background check of a tag answered stale: as a pull past the tag TTL would do it. Throws
   * while the upstream is still unavailable, so that the job is tried again later.
   */
  async refreshTag(ctx: ProxyContext, tag: string): Promise<void> {
    const result = await this.byTag(ctx, await this.metadata.getRepository(ctx.name), tag);
    if (result.outcome.kind === 'stale') throw new Error(`tag ${ctx.name}:${tag} not checked: ${result.outcome.reason}`);
  }

  /** Forget what this process remembers of a whole project, or of one repository (cache purge). */
  forgetCached(projectId: number, name?: string): void {
    if (name === undefined) this.memory.forgetProject(projectId);
    else this.memory.forgetRepository(projectId, name);
  }

  private async byDigest(ctx: ProxyContext, repository: RepositoryRow | null, digest: string): Promise<ProxiedManifest> {
    const cached = repository === null ? null : await this.metadata.getManifest(repository.id, digest);
    if (cached !== null) {
      this.memory.set(ctx.project.id, ctx.name, digest, { manifest: toStored(cached) });
      return this.hit(ctx, toStored(cached));
    }
    const fetched = await this.fetch(ctx, digest);
    if (fetched.manifest === null) throw manifestUnknown(ctx.name, digest);
    const manifest = await this.store(ctx, fetched.manifest, [], fetched.upstream);
    this.memory.set(ctx.project.id, ctx.name, digest, { manifest });
    return { manifest, outcome: fetched.joined ? { kind: 'coalesced' } : { kind: 'miss', stored: true, ...via(ctx, fetched.upstream) } };
  }

  /** Remember a cached tag (never a pushed one: those change only through this service's callers). */
  private rememberTag(ctx: ProxyContext, tag: string, manifest: StoredManifest, checkedAt: number): void {
    this.memory.set(ctx.project.id, ctx.name, tag, { manifest, checkedAt });
  }

  private async byTag(ctx: ProxyContext, repository: RepositoryRow | null, tag: string): Promise<ProxiedManifest> {
    const tagRow = repository === null ? null : await this.metadata.getTag(repository.id, tag);
    const cached = repository !== null && tagRow !== null ? await this.metadata.getManifest(repository.id, tagRow.digest) : null;
    if (tagRow !== null && cached !== null) {
      // A tag pushed to Berth is Berth's own: it is never replaced by (or checked against) the upstream.
      // (Cosign's tags are the exception: the upstream's signatures under the same tag are merged in.)
      if (tagRow.source === 'local') {
        return repository !== null && isCosignTag(tag) ? this.withUpstreamSignatures(ctx, repository, tagRow, cached) : this.hit(ctx, toStored(cached));
      }
      const ageSeconds = this.ageSeconds(tagRow);
      if (ageSeconds < ctx.settings.tagTtlSeconds) {
        this.rememberTag(ctx, tag, toStored(cached), tagRow.checkedAt?.getTime() ?? 0);
        return this.hit(ctx, toStored(cached), ctx.settings.tagTtlSeconds - ageSeconds);
      }
    }
    const key = this.absentKey(ctx, tag);
    if (cached === null && this.absent.has(key)) throw manifestUnknown(ctx.name, tag);

    // The upstreams in order: the first that has the tag wins (see docs/pull-through.md).
    const answer = await askInOrder(ctx.upstreams, (upstream) => upstream.client.headManifest(upstream.repository, tag, UPSTREAM_MANIFEST_ACCEPT));
    const failure = failureOf(answer);
    if (answer.found === undefined && failure !== undefined) return this.serveStale(ctx, tag, tagRow, cached, failure, answer.unavailable[0]?.upstream.name);
    if (answer.found !== undefined && tagRow !== null && cached !== null && answer.found.value.digest !== tagRow.digest) {
      // An upstream ahead of the one that answered is down, and the cached tag came from it (or this
      // process does not know where it came from): served stale rather than replaced by a lower upstream's.
      const cameFrom = this.sources.of(ctx, tag);
      const down = answer.unavailable.find(({ upstream }) => cameFrom === undefined || upstream.name === cameFrom);
      if (down !== undefined && this.withinMaxStale(ctx, tagRow)) return this.serveStale(ctx, tag, tagRow, cached, down.error, down.upstream.name);
    }
    const head = answer.found?.value ?? null;
    const source = answer.found?.upstream.name ?? '';
    if (head === null) {
      if (cached !== null && tagRow !== null && ctx.settings.serveStaleOnNotFound && this.withinMaxStale(ctx, tagRow)) {
        return this.stale(ctx, toStored(cached), 'upstream 404');
      }
      this.absent.add(key, ctx.settings.negativeTtlSeconds * 1000);
      throw manifestUnknown(ctx.name, tag);
    }
    this.absent.delete(key);
    this.sources.record(ctx, tag, source);
    if (repository !== null && tagRow !== null && cached !== null && head.digest === tagRow.digest) {
      await this.metadata.markTagChecked(repository.id, tag, head.digest);
      this.rememberTag(ctx, tag, toStored(cached), this.now());
      this.recordSources(ctx, cached.digest, source, () => parsedOrUndefined(cached.content, cached.mediaType));
      return { manifest: toStored(cached), outcome: { kind: 'revalidated', ...via(ctx, source) } };
    }
    // The tag is new or moved: fetch the manifest by the digest the HEAD named (so tag and bytes agree),
    // from the upstream that named it first.
    const known = repository === null ? null : await this.metadata.getManifest(repository.id, head.digest);
    if (known !== null) {
      await this.store(ctx, fromRow(known), [tag], source);
      this.rememberTag(ctx, tag, toStored(known), this.now());
      this.prefetch(ctx, known.digest);
      return { manifest: toStored(known), outcome: { kind: 'revalidated', ...via(ctx, source) } };
    }
    const fetched = await this.fetch(ctx, head.digest, source);
    if (fetched.manifest === null) throw manifestUnknown(ctx.name, tag);
    const manifest = await this.store(ctx, fetched.manifest, [tag], fetched.upstream);
    this.rememberTag(ctx, tag, manifest, this.now());
    if (!fetched.joined) this.prefetch(ctx, manifest.digest);
    return { manifest, outcome: fetched.joined ? { kind: 'coalesced' } : { kind: 'miss', stored: true, ...via(ctx, fetched.upstream) } };
  }

  /** A local cosign tag: merged with the upstream's tag of the same name once per tag TTL (cosign-tag-merge.ts). */
  private async withUpstreamSignatures(ctx: ProxyContext, repository: RepositoryRow, tagRow: TagRow, local: ManifestRow): Promise<ProxiedManifest> {
    const ageSeconds = this.ageSeconds(tagRow);
    if (ageSeconds < ctx.settings.tagTtlSeconds) return this.hit(ctx, toStored(local), ctx.settings.tagTtlSeconds - ageSeconds);
    let merged;
    try {
      merged = await this.cosignTags.merge(ctx, repository, tagRow.name, local);
    } catch {
      return this.hit(ctx, toStored(local)); // the upstream cannot say: what was pushed here still answers
    }
    return merged === null ? this.hit(ctx, toStored(local)) : { manifest: merged, outcome: { kind: 'revalidated' } };
  }

  /**
   * One upstream GET per (project, repository, digest) at a time in this process: from `preferred`
   * (the upstream that named the digest) or the one that served a manifest referring to it first,
   * then the others in order. The client verifies the bytes against the digest, whichever sends them.
   */
  private async fetch(ctx: ProxyContext, digest: string, preferred?: string): Promise<{ manifest: FetchedManifest | null; upstream: string; joined: boolean }> {
    const key = this.absentKey(ctx, digest);
    if (this.absent.has(key)) return { manifest: null, upstream: '', joined: false };
    const order = preferring(ctx.upstreams, preferred ?? this.sources.of(ctx, digest));
    try {
      const { value, joined } = await this.fetches.run(key, async () => {
        const found = foundOrThrow(await askInOrder(order, (upstream) => upstream.client.getManifest(upstream.repository, digest, UPSTREAM_MANIFEST_ACCEPT)));
        return found === null ? null : { manifest: found.value, upstream: found.upstream.name };
      });
      if (value === null) this.absent.add(key, ctx.settings.negativeTtlSeconds * 1000);
      if (joined) this.metrics.coalesced(ctx.project.name);
      else this.metrics.miss(ctx.project.name, 'manifest', value?.manifest.bytes.byteLength ?? 0);
      if (value !== null) this.sources.record(ctx, digest, value.upstream);
      return { manifest: value?.manifest ?? null, upstream: value?.upstream ?? '', joined };
    } catch (error) {
      return upstreamFailure(error, `manifest ${digest}`);
    }
  }

  /** The blobs and child manifests of a manifest are asked of the upstream that served it first. */
  private recordSources(ctx: ProxyContext, digest: string, upstream: string, parsed: () => ParsedManifest | undefined): void {
    if (nameIfSeveral(ctx, upstream) === undefined) return;
    this.sources.record(ctx, digest, upstream);
    const manifest = parsed();
    if (manifest === undefined) return;
    for (const reference of [...referencedBlobs(manifest), ...referencedManifests(manifest)]) this.sources.record(ctx, reference, upstream);
  }

  /** Store the upstream's bytes as they are (the tags marked as checked now); what is served from now on. */
  private async store(ctx: ProxyContext, manifest: FetchedManifest, tags: string[], upstream: string): Promise<StoredManifest> {
    const repository = await this.metadata.ensureRepository(ctx.project.id, ctx.name);
    // An upstream format Berth cannot parse is still served byte-for-byte.
    const parsed = parsedOrUndefined(manifest.bytes, manifest.mediaType);
    await this.metadata.putManifest({
      repositoryId: repository.id,
      digest: manifest.digest,
      mediaType: parsed?.mediaType ?? manifest.mediaType,
      content: manifest.bytes,
      subject: parsed?.subject?.digest ?? null,
      artifactType: parsed?.artifactType ?? null,
      annotations: parsed?.annotations ?? null,
      configMediaType: parsed?.config?.mediaType ?? null,
      source: 'cached',
      blobRefs: parsed === undefined ? [] : referencedBlobs(parsed),
      manifestRefs: parsed === undefined ? [] : referencedManifests(parsed),
      tags,
    });
    // A lost version change only keeps other replicas' referrers answers for their maximum age (a minute).
    if (parsed?.subject !== undefined || tags.some(isReferrerTag)) await this.versions?.bump(ctx.project.id, ctx.name).catch(() => undefined);
    const stored = { digest: manifest.digest, mediaType: parsed?.mediaType ?? manifest.mediaType, content: manifest.bytes, subject: parsed?.subject?.digest ?? null };
    this.recordSources(ctx, manifest.digest, upstream, () => parsed); // parsed once, for the row and the sources
    return stored;
  }

  /** A tag now names a manifest not pulled through it before: fetch the rest while the client reads this one. */
  private prefetch(ctx: ProxyContext, digest: string): void {
    if (ctx.settings.prefetch.enabled) this.lifecycle?.background?.prefetch({ repository: ctx.name, digest });
  }

  private serveStale(ctx: ProxyContext, tag: string, tagRow: TagRow | null, cached: ManifestRow | null, error: unknown, upstream?: string): ProxiedManifest {
    const reason = unavailableReason(error, nameIfSeveral(ctx, upstream));
    if (reason !== undefined && tagRow !== null && cached !== null && this.withinMaxStale(ctx, tagRow)) {
      // Checked again in the background (with backoff), so the tag is fresh once the upstream is back.
      this.lifecycle?.background?.refreshTag({ repository: ctx.name, tag });
      return this.stale(ctx, toStored(cached), reason);
    }
    return upstreamFailure(error, `${ctx.name}:${tag}`);
  }

  private hit(ctx: ProxyContext, manifest: StoredManifest, ttlSeconds?: number): ProxiedManifest {
    this.metrics.hit(ctx.project.name, 'manifest', manifest.content.byteLength);
    return { manifest, outcome: ttlSeconds === undefined ? { kind: 'hit' } : { kind: 'hit', ttlSeconds } };
  }

  private stale(ctx: ProxyContext, manifest: StoredManifest, reason: string): ProxiedManifest {
    this.metrics.stale(ctx.project.name);
    return { manifest, outcome: { kind: 'stale', reason } };
  }

  private withinMaxStale(ctx: ProxyContext, tag: TagRow): boolean {
    return this.ageSeconds(tag) <= ctx.settings.tagTtlSeconds + ctx.settings.maxStaleSeconds;
  }

  private ageSeconds(tag: TagRow): number {
    return tag.checkedAt === null ? Infinity : (this.now() - tag.checkedAt.getTime()) / 1000;
  }

  private absentKey(ctx: ProxyContext, reference: string): string {
    return `${ctx.project.id}:${ctx.name}:${reference}`;
  }
}

/** The manifest parsed, or undefined for a format Berth cannot parse. */
function parsedOrUndefined(bytes: Uint8Array, mediaType: string | undefined): ParsedManifest | undefined {
  try {
    return parseManifest(bytes, mediaType);
  } catch {
    return undefined;
  }
}

/** The upstream named in Cache-Status when the project has several. */
function via(ctx: ProxyContext, upstream: string): { upstream?: string } {
  const named = nameIfSeveral(ctx, upstream);
  return named === undefined ? {} : { upstream: named };
}

function manifestUnknown(name: string, reference: string): OciError {
  return new OciError('MANIFEST_UNKNOWN', `manifest ${reference} is not in ${name} (nor upstream)`, { detail: { name, reference } });
}

function toStored(row: ManifestRow): StoredManifest {
  return { digest: row.digest, mediaType: row.mediaType, content: row.content, subject: row.subject };
}

function fromRow(row: ManifestRow): FetchedManifest {
  return { digest: row.digest, mediaType: row.mediaType, size: row.size, bytes: Buffer.from(row.content) };
}
