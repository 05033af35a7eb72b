import type { RegistryServices } from '../registry.js';
import type { PrefetchRequest, ReferrersRefresh, TagRefresh } from './background-work.js';
import { BlobCollector, type CollectionResult, type CollectorLogger } from './blob-collector.js';
import { CacheEviction, type ProjectEviction } from './cache-eviction.js';
import { Prefetcher, type PrefetchResult } from './prefetcher.js';
import { UploadCleanup } from './upload-cleanup.js';

export interface LifecycleOptions {
  /** How long a blob stays unreferenced before it is deleted, and a link unreferenced before it is removed. */
  gcGraceMs: number;
  /** Upload sessions idle longer than this are removed. */
  uploadSessionTtlMs: number;
  logger?: CollectorLogger;
}

/** What the job processors run: the background work of every kind, over the registry's own services. */
export interface LifecycleServices {
  refreshReferrers(request: ReferrersRefresh): Promise<void>;
  refreshTag(request: TagRefresh): Promise<void>;
  prefetch(request: PrefetchRequest): Promise<PrefetchResult>;
  evict(): Promise<ProjectEviction[]>;
  collectGarbage(): Promise<CollectionResult>;
  cleanUploads(): Promise<number>;
}

export function createLifecycleServices(services: RegistryServices, options: LifecycleOptions): LifecycleServices {
  const { metadata, store, proxy } = services;
  const eviction = new CacheEviction(metadata, { evicted: (repository) => proxy.afterChange(repository) }, { orphanGraceMs: options.gcGraceMs });
  const collector = new BlobCollector(metadata, store, { graceMs: options.gcGraceMs, ...(options.logger !== undefined ? { logger: options.logger } : {}) });
  const uploads = new UploadCleanup(metadata, store, { sessionTtlMs: options.uploadSessionTtlMs });
  const prefetcher = new Prefetcher(proxy);
  return {
    async refreshReferrers(request) {
      const ctx = await proxy.contextFor(request.repository);
      // The project was deleted or is no longer a proxy since the job was queued: nothing to refresh.
      if (ctx !== null && ctx.settings.referrersProxy) await proxy.referrers.refresh(ctx, request.subject);
    },
    async refreshTag(request) {
      const ctx = await proxy.contextFor(request.repository);
      if (ctx !== null) await proxy.manifests.refreshTag(ctx, request.tag);
    },
    prefetch: (request) => prefetcher.run(request),
    evict: () => eviction.runAll(),
    collectGarbage: () => collector.run(),
    cleanUploads: () => uploads.run(),
  };
}
