import {
  filterByArtifactType,
  isIndexMediaType,
  mergeReferrers,
  paginateDescriptors,
  parseDigest,
  parseManifest,
  referrerDescriptor,
  referrersIndex,
  referrersTagFor,
  type Descriptor,
} from '@berth/oci';
import type { MetadataStore } from '@berth/db';
import type { CacheOutcome } from './proxy/cache-status.js';
import type { ContentVersions } from './proxy/content-versions.js';
import { COSIGN_TAG_ANNOTATION, COSIGN_TAG_SUFFIXES } from './proxy/cosign-tags.js';
import type { ProxyContext } from './proxy/proxy-context.js';
import type { UpstreamReferrersList } from './proxy/proxy-referrers.js';
import type { ProxyService } from './proxy/proxy-service.js';
import { ReferrersMemory } from './proxy/referrers-memory.js';
import type { RepositoryResolver } from './repositories.js';
import type { CoreSettings } from './settings.js';

export interface ReferrersPage {
  /** The image index to send, serialized. */
  body: Buffer;
  /** True when an artifactType filter was applied (answered as OCI-Filters-Applied). */
  filtered: boolean;
  /** Cursor for the next page, when there is one. */
  next?: string;
  /** Proxy projects merging upstream referrers: what the cache did for the upstream's list. */
  upstream?: CacheOutcome;
}

/** See ReferrersService.snapshot. */
export interface ReferrersSnapshot {
  basis: string | undefined;
  /** The repository's pull-through context, when it is in a proxy project. */
  proxy?: ProxyContext;
  /** The merged list, and the digests of entries only the upstream listed. */
  descriptors: () => Promise<{ descriptors: Descriptor[]; fromUpstream: Set<string> }>;
}

export interface ReferrersQuery {
  artifactTypes?: string[];
  cursor?: string;
}

/**
 * Referrers answers. Local referrers: manifests pushed with a subject, plus those listed in a
 * tag-schema index. In a proxy project with `referrersProxy` on, merged with the upstream's list
 * (local entries first and winning on the same digest, then the upstream's in its order); the
 * artifactType filter and the pages are Berth's own, over the merged list.
 *
 * Proxy projects' answers are remembered, finished, while the project's content version and the
 * cached upstream list they were made from are unchanged: a repeated GET is then no database
 * query, and a push or delete through any replica (which changes the version) is seen at once.
 */
export class ReferrersService {
  private readonly memory = new ReferrersMemory();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly repositories: RepositoryResolver,
    private readonly settings: Pick<CoreSettings, 'referrersPage'>,
    private readonly proxy?: Pick<ProxyService, 'contextFor' | 'referrers' | 'versions'>,
  ) {}

  async list(name: string, subject: string, query: ReferrersQuery): Promise<ReferrersPage> {
    parseDigest(subject);
    const ctx = this.proxy === undefined ? null : await this.proxy.contextFor(name);
    if (ctx === null) return this.answer(legacyCosignTagsFirst(await this.local(name, subject)), query);
    const { upstream, basis } = await this.basisOf(ctx.project.id, ctx, subject);
    const outcome = upstream === undefined ? {} : { upstream: upstream.outcome };
    const key = [ctx.project.id, name, subject, query.cursor ?? '', ...(query.artifactTypes ?? [])].join(' ');
    const remembered = basis === undefined ? undefined : this.memory.get(key, basis);
    if (remembered !== undefined) return { ...remembered, ...outcome };
    const local = await this.local(name, subject);
    const answer = this.answer(legacyCosignTagsFirst(upstream === undefined ? local : mergeReferrers(local, upstream.descriptors)), query);
    if (basis !== undefined) this.memory.set(key, basis, answer);
    return { ...answer, ...outcome };
  }

  /**
   * What `list` would answer for the subject, unfiltered and unpaged, for the signature policy. The
   * basis names what the list was made from (the project's content version, and the cached upstream
   * list's storedAt): it changes when a referrer is pushed or deleted through any replica, and when
   * the upstream list is refreshed. Undefined when that cannot be told (no content version, an
   * upstream list that was not cached): then nothing derived from the list may be remembered.
   * `descriptors` reads the local half only when called, so a caller holding a result for the
   * same basis spends no database query. `versions`: the request's reads of the content versions
   * (ContentVersionReads), so that a request asking for several subjects reads the version once.
   */
  async snapshot(projectId: number, name: string, subject: string, versions?: Pick<ContentVersions, 'current'>): Promise<ReferrersSnapshot> {
    parseDigest(subject);
    const ctx = this.proxy === undefined ? null : await this.proxy.contextFor(name);
    const { upstream, basis } = await this.basisOf(projectId, ctx, subject, versions);
    const descriptors = async () => {
      const local = await this.local(name, subject);
      const merged = legacyCosignTagsFirst(upstream === undefined ? local : mergeReferrers(local, upstream.descriptors));
      const localDigests = new Set(local.map((d) => d.digest));
      return { descriptors: merged, fromUpstream: new Set(merged.map((d) => d.digest).filter((digest) => !localDigests.has(digest))) };
    };
    return { basis, ...(ctx !== null ? { proxy: ctx } : {}), descriptors };
  }

  /**
   * The project's content version and, when the project merges them, the upstream's referrers of
   * the subject; the basis they make (undefined without a version, Redis being down, or with an
   * upstream list that is not cached: then nothing made from them may be remembered).
   */
  private async basisOf(
    projectId: number,
    ctx: ProxyContext | null,
    subject: string,
    versions: Pick<ContentVersions, 'current'> | undefined = this.proxy?.versions,
  ): Promise<{ upstream?: UpstreamReferrersList; basis: string | undefined }> {
    const [version, upstream] = await Promise.all([
      versions === undefined ? undefined : versions.current(projectId).catch(() => undefined),
      ctx !== null && ctx.settings.referrersProxy ? this.proxy!.referrers.upstreamList(ctx, subject) : undefined,
    ]);
    const basis = version === undefined || (upstream !== undefined && upstream.storedAt === undefined) ? undefined : `${version} ${upstream?.storedAt ?? '-'}`;
    return upstream === undefined ? { basis } : { upstream, basis };
  }

  /**
   * The two lists a merged answer is made of, for the admin API's referrers tree: the local one,
   * and the upstream's when the project merges it (`null` otherwise). Same caches as `list`.
   */
  async origins(name: string, subject: string): Promise<{ local: Descriptor[]; upstream: Descriptor[] | null; outcome?: CacheOutcome }> {
    parseDigest(subject);
    const ctx = this.proxy === undefined ? null : await this.proxy.contextFor(name);
    const local = await this.local(name, subject);
    if (ctx === null || !ctx.settings.referrersProxy) return { local, upstream: null };
    const upstream = await this.proxy!.referrers.upstreamList(ctx, subject);
    return { local, upstream: upstream.descriptors, outcome: upstream.outcome };
  }

  /** One page of `all`, filtered, as the image index to send. */
  private answer(all: Descriptor[], query: ReferrersQuery): ReferrersPage {
    const filtered = query.artifactTypes !== undefined && query.artifactTypes.length > 0;
    const descriptors = filtered ? filterByArtifactType(all, query.artifactTypes) : all;
    const { page, nextCursor } = paginateDescriptors(descriptors, this.settings.referrersPage, query.cursor);
    const body = Buffer.from(JSON.stringify(referrersIndex(page)));
    return nextCursor === undefined ? { body, filtered } : { body, filtered, next: nextCursor };
  }

  private async local(name: string, subject: string): Promise<Descriptor[]> {
    const repository = await this.repositories.find(name);
    return repository === null ? [] : this.localDescriptors(repository.id, subject);
  }

  private async localDescriptors(repositoryId: number, subject: string): Promise<Descriptor[]> {
    const [indexed, tagIndex, cosign] = await Promise.all([
      this.metadata.listReferrers(repositoryId, subject),
      this.metadata.getManifestByTag(repositoryId, referrersTagFor(subject)),
      this.cosignTagged(repositoryId, subject),
    ]);
    const fromSubject = indexed.map((m) => referrerDescriptor(m));
    if (tagIndex === null || !isIndexMediaType(tagIndex.mediaType)) return mergeReferrers(fromSubject, cosign);
    let listed: Descriptor[] = [];
    try {
      listed = parseManifest(tagIndex.content, tagIndex.mediaType).manifests;
    } catch {
      // A malformed tag-schema index lists nothing; it never breaks the answer.
    }
    // An entry stored here with another subject is that subject's referrer, not this one's; entries
    // stored with this subject are listed already. Entries stored without a subject (cosign-style
    // signatures, artifacts from clients that only write the tag schema) and entries not stored
    // here are taken as the index says.
    const stored = await this.metadata.getManifestSummaries(repositoryId, listed.map((d) => d.digest));
    const excluded = new Set(stored.filter((m) => m.subject !== null).map((m) => m.digest));
    return mergeReferrers(mergeReferrers(fromSubject, listed.filter((d) => !excluded.has(d.digest))), cosign);
  }

  /**
   * Cosign's legacy tags pushed here (`sha256-<hex>.sig`, `.att`, `.sbom`), described as the
   * upstream's are when read through its tag schema: the artifactType of the suffix and the
   * annotation naming the tag. Manifests with a subject are listed by it already.
   */
  private async cosignTagged(repositoryId: number, subject: string): Promise<Descriptor[]> {
    const base = referrersTagFor(subject);
    const rows = await Promise.all(COSIGN_TAG_SUFFIXES.map((kind) => this.metadata.getManifestByTag(repositoryId, `${base}.${kind.suffix}`)));
    const found: Descriptor[] = [];
    rows.forEach((row, i) => {
      const kind = COSIGN_TAG_SUFFIXES[i]!;
      if (row === null || row.subject !== null) return;
      found.push({ mediaType: row.mediaType, digest: row.digest, size: row.size, artifactType: kind.artifactType, annotations: { [COSIGN_TAG_ANNOTATION]: `${base}.${kind.suffix}` } });
    });
    return found;
  }
}

/**
 * Entries standing for cosign's legacy tags (`.sig`, `.att`, `.sbom`) first, every other entry
 * after them in its order. Cosign reads those through the tag itself; its OCI 1.1 verification
 * (`cosign verify --experimental-oci11`) checks only the LAST entry of its artifactType, which must
 * then be a real OCI 1.1 signature when there is one, not a legacy tag that shares the type.
 */
function legacyCosignTagsFirst(descriptors: Descriptor[]): Descriptor[] {
  const isLegacy = (d: Descriptor) => d.annotations?.[COSIGN_TAG_ANNOTATION] !== undefined;
  return [...descriptors.filter(isLegacy), ...descriptors.filter((d) => !isLegacy(d))];
}
