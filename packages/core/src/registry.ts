import type { MetadataStore } from '@berth/db';
import type { BlobStore } from '@berth/storage';
import { BlobService } from './blobs.js';
import { ListingService } from './listing.js';
import { ManifestService } from './manifests.js';
import { ReferrersService } from './referrers.js';
import { RepositoryResolver } from './repositories.js';
import { DEFAULT_CORE_SETTINGS, type CoreSettings } from './settings.js';
import { UploadService } from './uploads.js';

export interface RegistryServices {
  settings: CoreSettings;
  repositories: RepositoryResolver;
  manifests: ManifestService;
  blobs: BlobService;
  uploads: UploadService;
  listing: ListingService;
  referrers: ReferrersService;
  metadata: MetadataStore;
  store: BlobStore;
}

/** Wire the registry services over a metadata store and a blob store. */
export function createRegistryServices(deps: {
  metadata: MetadataStore;
  store: BlobStore;
  settings?: Partial<CoreSettings>;
}): RegistryServices {
  const settings: CoreSettings = { ...DEFAULT_CORE_SETTINGS, ...deps.settings };
  const repositories = new RepositoryResolver(deps.metadata, settings);
  return {
    settings,
    repositories,
    manifests: new ManifestService(deps.metadata, repositories, settings),
    blobs: new BlobService(deps.metadata, deps.store, repositories),
    uploads: new UploadService(deps.metadata, deps.store, repositories, settings),
    listing: new ListingService(deps.metadata, repositories),
    referrers: new ReferrersService(deps.metadata, repositories, settings),
    metadata: deps.metadata,
    store: deps.store,
  };
}
