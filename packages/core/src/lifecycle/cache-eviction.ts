import type { CachedImage, MetadataStore, ProjectRow } from '@berth/db';
import { proxySettingsOf } from '../proxy/proxy-settings.js';

export interface ProjectEviction {
  project: string;
  /** Images evicted because nobody pulled them for `retentionDays`. */
  expired: number;
  /** Images evicted to bring the project under its quota's low-water mark. */
  overQuota: number;
  /** Blob links of the project's repositories no manifest references any more, removed. */
  orphanLinks: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Set when evicting every cached image still left the project over its quota (local content counts too). */
  stillOverQuota?: true;
}

export interface EvictionHooks {
  /** A repository's cached manifests changed: forget what processes remember of it. */
  evicted(repository: string): Promise<void>;
}

/**
 * Keeps proxy projects within their storage quota and retention. The unit is a cached image (a
 * manifest pulled through the project, with its index children, blobs and cached referrers); the
 * least recently pulled go first. Local content (pushed signatures, SBOMs) is never evicted, and a
 * blob is unlinked only when no remaining manifest of its repository references it. The bytes are
 * freed later by the garbage collector.
 */
export class CacheEviction {
  constructor(
    private readonly metadata: Pick<MetadataStore, 'listProjects' | 'projectStats' | 'listCachedImages' | 'evictCachedImage' | 'unlinkOrphanBlobs'>,
    private readonly hooks: EvictionHooks,
    private readonly options: { orphanGraceMs: number; batchSize?: number },
    private readonly now: () => number = Date.now,
  ) {}

  async runAll(): Promise<ProjectEviction[]> {
    const results: ProjectEviction[] = [];
    for (const project of await this.metadata.listProjects()) {
      if (project.kind === 'proxy') results.push(await this.runProject(project));
    }
    return results;
  }

  async runProject(project: ProjectRow): Promise<ProjectEviction> {
    const settings = proxySettingsOf(project);
    const bytesBefore = (await this.metadata.projectStats(project.id)).blobBytes;
    const orphanLinks = await this.metadata.unlinkOrphanBlobs(project.id, new Date(this.now() - this.options.orphanGraceMs));
    let expired = 0;
    if (settings.retentionDays !== undefined) {
      const usedBefore = new Date(this.now() - settings.retentionDays * 86_400_000);
      expired = await this.evictWhile(project, { usedBefore }, async () => true);
    }
    let bytesAfter = expired > 0 || orphanLinks > 0 ? (await this.metadata.projectStats(project.id)).blobBytes : bytesBefore;
    let overQuota = 0;
    let stillOverQuota = false;
    const quota = settings.quota;
    if (quota !== undefined && bytesAfter > quota.maxBytes) {
      const lowWater = Math.floor((quota.maxBytes * quota.lowWaterPercent) / 100);
      overQuota = await this.evictWhile(project, {}, async () => {
        bytesAfter = (await this.metadata.projectStats(project.id)).blobBytes;
        return bytesAfter > lowWater;
      });
      bytesAfter = (await this.metadata.projectStats(project.id)).blobBytes;
      stillOverQuota = bytesAfter > quota.maxBytes;
    }
    return { project: project.name, expired, overQuota, orphanLinks, bytesBefore, bytesAfter, ...(stillOverQuota ? { stillOverQuota: true as const } : {}) };
  }

  /** Evict least recently used images (matching `filter`) one by one while `more()` says so. */
  private async evictWhile(project: ProjectRow, filter: { usedBefore?: Date }, more: () => Promise<boolean>): Promise<number> {
    const batchSize = this.options.batchSize ?? 50;
    let evicted = 0;
    for (;;) {
      const batch = await this.metadata.listCachedImages(project.id, { limit: batchSize, ...filter });
      if (batch.length === 0) return evicted;
      let progressed = false;
      for (const image of batch) {
        if (!(await more())) return evicted;
        if (await this.evict(image)) {
          evicted += 1;
          progressed = true;
        }
      }
      // Nothing listed could be evicted (another process got there first): stop rather than list it again.
      if (!progressed) return evicted;
    }
  }

  private async evict(image: CachedImage): Promise<boolean> {
    const result = await this.metadata.evictCachedImage(image.repositoryId, image.digest);
    if (result.manifests === 0) return false;
    await this.hooks.evicted(image.repository);
    return true;
  }
}
