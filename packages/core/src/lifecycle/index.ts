export type { BackgroundWork, PrefetchRequest, ReferrersRefresh, TagRefresh } from './background-work.js';
export { claimBlobOrWait, type ClaimWaitOptions } from './blob-claims.js';
export { BlobCollector, type CollectionResult, type CollectorLogger } from './blob-collector.js';
export { CacheEviction, type EvictionHooks, type ProjectEviction } from './cache-eviction.js';
export { ManifestPulls } from './manifest-pulls.js';
export { Prefetcher, wantedPlatform, type PrefetchResult } from './prefetcher.js';
export { UploadCleanup } from './upload-cleanup.js';
export { createLifecycleServices, type LifecycleOptions, type LifecycleServices } from './lifecycle-services.js';
