export { createRegistryServices, type RegistryServices } from './registry.js';
export { DEFAULT_CORE_SETTINGS, type CoreSettings } from './settings.js';
export { RepositoryResolver, type ResolvedRepository } from './repositories.js';
export { ManifestService, type StoredManifest, type PutManifestResult } from './manifests.js';
export { BlobService, type BlobHandle } from './blobs.js';
export { UploadService, rangeHeaders, type UploadState, type StartUploadResult } from './uploads.js';
export { ListingService, type ListPage } from './listing.js';
export { ReferrersService, type ReferrersPage } from './referrers.js';
export { applyConfiguredProjects } from './configured-projects.js';
