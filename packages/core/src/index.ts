export { createRegistryServices, type RegistryServices } from './registry.js';
export { DEFAULT_CORE_SETTINGS, type CoreSettings } from './settings.js';
export { RepositoryResolver, type ResolvedRepository } from './repositories.js';
export { ANONYMOUS_ACCOUNT, RegistryAudit, type Actor } from './audit/registry-audit.js';
export { ManifestService, type StoredManifest, type PutManifestResult } from './manifests.js';
export { BlobService, type BlobHandle } from './blobs.js';
export { UploadService, rangeHeaders, type UploadState, type StartUploadResult } from './uploads.js';
export { DEFAULT_UPLOAD_CLAIM_TIMING, type UploadClaimTiming } from './upload-claims.js';
export { ListingService, type ListPage } from './listing.js';
export { ReferrersService, type ReferrersPage, type ReferrersSnapshot } from './referrers.js';
export { SignatureGate, type SignatureGateLogger, type SignatureMetrics } from './signatures/signature-gate.js';
export type { SignatureFailure } from './signatures/recent-failures.js';
export { policyVersion, signaturePolicyOf, type SignaturePolicy } from './signatures/signature-policy.js';
export * from './referrers-cache/index.js';
export { ContentVersionReads, InProcessContentVersions, type ContentChangeListener, type ContentVersions } from './proxy/content-versions.js';
export { applyConfiguredProjects } from './configured-projects.js';
export { mergeAliasRepositories, type MergedRepository } from './proxy/merge-alias-repositories.js';
export type { ProxyDeps } from './registry.js';
export { ProxyService } from './proxy/proxy-service.js';
export type { ProxyContext } from './proxy/proxy-context.js';
export type { ProxiedManifest } from './proxy/proxy-manifests.js';
export type { ProxiedBlob, ProxiedBlobInfo } from './proxy/proxy-blobs.js';
export { cacheStatusHeader, type CacheOutcome } from './proxy/cache-status.js';
export { SecretSealer } from './proxy/sealed-secrets.js';
export { NO_PROXY_METRICS, type ProxyMetrics } from './proxy/proxy-metrics.js';
export type { UpstreamFactory } from './proxy/upstream-pool.js';
export type { ProxySettings } from './proxy/proxy-settings.js';
export {
  BlobFills,
  BlobSizeMismatchError,
  FillLockUnavailableError,
  FillWaitTimeoutError,
  InProcessFillLock,
  type BlobFillsDeps,
  type FillLock,
  type FillLockLease,
  type FillLogger,
  type FillMetrics,
  type FillRead,
  type FillSource,
  type FillSourceBlob,
  type LockWaitOptions,
} from './fill/index.js';
export { AccessService, AuthenticationError, bootstrapAdmin, type AccessLogger, type AccessOptions, type BootstrapAdminResult } from './access/index.js';
export * from './admin/index.js';
export * from './lifecycle/index.js';
export { storageFull } from './storage-errors.js';
