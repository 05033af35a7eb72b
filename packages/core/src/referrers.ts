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
import type { RepositoryResolver } from './repositories.js';
import type { CoreSettings } from './settings.js';

export interface ReferrersPage {
  descriptors: Descriptor[];
  /** True when an artifactType filter was applied (answered as OCI-Filters-Applied). */
  filtered: boolean;
  /** Cursor for the next page, when there is one. */
  next?: string;
}

/** Local referrers: manifests pushed with a subject, plus those listed in a tag-schema index. */
export class ReferrersService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly repositories: RepositoryResolver,
    private readonly settings: Pick<CoreSettings, 'referrersPage'>,
  ) {}

  async list(name: string, subject: string, options: { artifactTypes?: string[]; cursor?: string }): Promise<ReferrersPage> {
    parseDigest(subject);
    const repository = await this.repositories.find(name);
    const local = repository === null ? [] : await this.localDescriptors(repository.id, subject);
    const filtered = options.artifactTypes !== undefined && options.artifactTypes.length > 0;
    const descriptors = filtered ? filterByArtifactType(local, options.artifactTypes) : local;
    const { page, nextCursor } = paginateDescriptors(descriptors, this.settings.referrersPage, options.cursor);
    return nextCursor === undefined ? { descriptors: page, filtered } : { descriptors: page, filtered, next: nextCursor };
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
    // An entry stored here with another subject (or none) is not a referrer of this subject; entries
    // stored with this subject are listed already; entries not stored here are taken as the index says.
    const stored = new Set((await this.metadata.getManifestSummaries(repositoryId, listed.map((d) => d.digest))).map((m) => m.digest));
    return mergeReferrers(fromSubject, listed.filter((d) => !stored.has(d.digest)));
  }
}
