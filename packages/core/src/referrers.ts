import {
  filterByArtifactType,
  isIndexMediaType,
  mergeReferrers,
  paginateDescriptors,
  parseDigest,
  parseManifest,
  referrerDescriptor,
  referrersTagFor,
  type Descriptor,
} from '@berth/oci';
import type { MetadataStore } from '@berth/db';
import type { CacheOutcome } from './proxy/cache-status.js';
import type { ProxyService } from './proxy/proxy-service.js';
import type { RepositoryResolver } from './repositories.js';
import type { CoreSettings } from './settings.js';

export interface ReferrersPage {
  descriptors: Descriptor[];
  /** True when an artifactType filter was applied (answered as OCI-Filters-Applied). */
  filtered: boolean;
  /** Cursor for the next page, when there is one. */
  next?: string;
  /** Proxy projects merging upstream referrers: what the cache did for the upstream's list. */
  upstream?: CacheOutcome;
}

/**
 * Referrers answers. Local referrers: manifests pushed with a subject, plus those listed in a
 * tag-schema index. In a proxy project with `referrersProxy` on, merged with the upstream's list
 * (local entries first and winning on the same digest, then the upstream's in its order); the
 * artifactType filter and the pages are Berth's own, over the merged list.
 */
export class ReferrersService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly repositories: RepositoryResolver,
    private readonly settings: Pick<CoreSettings, 'referrersPage'>,
    private readonly proxy?: Pick<ProxyService, 'contextFor' | 'referrers'>,
  ) {}

  async list(name: string, subject: string, options: { artifactTypes?: string[]; cursor?: string }): Promise<ReferrersPage> {
    parseDigest(subject);
    const ctx = this.proxy === undefined ? null : await this.proxy.contextFor(name);
    const [local, upstream] = await Promise.all([
      this.local(name, subject),
      ctx !== null && ctx.settings.referrersProxy ? this.proxy!.referrers.upstreamList(ctx, subject) : undefined,
    ]);
    const all = upstream === undefined ? local : mergeReferrers(local, upstream.descriptors);
    const filtered = options.artifactTypes !== undefined && options.artifactTypes.length > 0;
    const descriptors = filtered ? filterByArtifactType(all, options.artifactTypes) : all;
    const { page, nextCursor } = paginateDescriptors(descriptors, this.settings.referrersPage, options.cursor);
    return {
      descriptors: page,
      filtered,
      ...(nextCursor !== undefined ? { next: nextCursor } : {}),
      ...(upstream !== undefined ? { upstream: upstream.outcome } : {}),
    };
  }

  private async local(name: string, subject: string): Promise<Descriptor[]> {
    const repository = await this.repositories.find(name);
    return repository === null ? [] : this.localDescriptors(repository.id, subject);
  }

  private async localDescriptors(repositoryId: number, subject: string): Promise<Descriptor[]> {
    const [indexed, tagIndex] = await Promise.all([
      this.metadata.listReferrers(repositoryId, subject),
      this.metadata.getManifestByTag(repositoryId, referrersTagFor(subject)),
    ]);
    const fromSubject = indexed.map((m) => referrerDescriptor(m));
    if (tagIndex === null || !isIndexMediaType(tagIndex.mediaType)) return fromSubject;
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
    return mergeReferrers(fromSubject, listed.filter((d) => !excluded.has(d.digest)));
  }
}
