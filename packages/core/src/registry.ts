import type { MetadataStore } from '@berth/db';
import type { BlobStore } from '@berth/storage';
import type { UpstreamHooks } from '@berth/upstream';
import { RegistryAudit } from './audit/registry-audit.js';
import { BlobService } from './blobs.js';
import { BlobFills, type FillLock, type FillLogger } from './fill/index.js';
import type { BackgroundWork } from './lifecycle/background-work.js';
import { claimBlobOrWait } from './lifecycle/blob-claims.js';
import { ManifestPulls } from './lifecycle/manifest-pulls.js';
import { ListingService } from './listing.js';
import { HostedManifestMemory } from './hosted-manifest-memory.js';
import { ManifestService } from './manifests.js';
import { ProxyBlobs } from './proxy/proxy-blobs.js';
import { ProxyManifests } from './proxy/proxy-manifests.js';
import { NO_PROXY_METRICS, type ProxyMetrics } from './proxy/proxy-metrics.js';
import { ContentVersionReads, InProcessContentVersions, type ContentVersions } from './proxy/content-versions.js';
import { DEFAULT_REFERRERS_FRESH_MS, ProxyReferrers } from './proxy/proxy-referrers.js';
import { ProxyService } from './proxy/proxy-service.js';
import { InMemoryReferrersCache, type ReferrersCache } from './referrers-cache/index.js';
import type { SecretSealer } from './proxy/sealed-secrets.js';
import { UpstreamPool, type UpstreamFactory } from './proxy/upstream-pool.js';
import { UpstreamSources } from './proxy/upstream-order.js';
import type { UpstreamProxySettings } from '@berth/upstream';
import { ProjectPulls } from './project-pulls.js';
import { ReferrersService } from './referrers.js';
import { RepositoryResolver } from './repositories.js';
import { DEFAULT_CORE_SETTINGS, type CoreSettings } from './settings.js';
import { UploadService } from './uploads.js';
import { ProjectPolicies } from './signatures/project-policies.js';
import { ProjectRows } from './project-rows.js';
import { SignatureEvidence } from './signatures/signature-evidence.js';
import { SignatureGate, type SignatureGateLogger, type SignatureMetrics } from './signatures/signature-gate.js';
import { VerdictCache } from './signatures/verdict-cache.js';
import { createSignatureVerifier, type CreateSignatureVerifier } from '@berth/signatures';

export interface RegistryServices {
  settings: CoreSettings;
  repositories: RepositoryResolver;
  /** Audit rows for pushes, deletes and failed logins (never for reads). */
  audit: RegistryAudit;
  manifests: ManifestService;
  blobs: BlobService;
  uploads: UploadService;
  listing: ListingService;
  referrers: ReferrersService;
  proxy: ProxyService;
  /** The projects' signature policies, applied to manifest GET and HEAD. */
  signatures: SignatureGate;
  /**
   * A new set of one request's content-version reads (see ContentVersionReads), for a request that
   * consults a project's content version more than once (a manifest GET under a signature policy).
   */
  contentVersionReads(): ContentVersionReads;
  metadata: MetadataStore;
  store: BlobStore;
  /** Wait for blob fills in flight, then close upstream connections. */
  close(): Promise<void>;
}

/** What pull-through needs beyond the stores. */
export interface ProxyDeps {
  upstreamFactory: UpstreamFactory;
  /** Directory for blob fill spool files (local disk). */
  spoolDir: string;
  /** Opens sealed upstream credentials; required once a proxy project has credentials. */
  sealer?: SecretSealer;
  metrics?: ProxyMetrics;
  logger?: FillLogger;
  /** Keeps replicas from filling the same blob twice (Redis); in-process when absent. */
  fillLock?: FillLock;
  /** Per-project observers of upstream requests and breaker changes (metrics). */
  /** Metrics hooks of each upstream client: its project and the upstream's label. */
  upstreamHooks?: (project: string, upstream: string) => UpstreamHooks;
  /** Upstream referrers lists: Redis when configured (shared by the replicas), in process memory when absent. */
  referrersCache?: ReferrersCache;
  /** A cached upstream referrers list is used without asking the upstream for this long. */
  referrersFreshMs?: number;
  /** Versions of the projects' content: Redis when replicas share one (see ContentVersions), in process otherwise. */
  contentVersions?: ContentVersions;
  /** Where stale refreshes and prefetches go (the job queue); stale referrers refresh in this process when absent. */
  background?: BackgroundWork;
  /** Forward proxies for every upstream (from HTTP_PROXY / HTTPS_PROXY / NO_PROXY); a project's own replace them. */
  upstreamProxy?: UpstreamProxySettings;
}

/** What the signature policy needs beyond the registry services. */
export interface SignatureDeps {
  /** Builds a verifier from a project's trust material (@berth/signatures'; tests pass their own). */
  createVerifier?: CreateSignatureVerifier;
  /** Verdicts shared by the replicas (Redis, under its own key prefix); in process memory only when absent. */
  verdictCache?: ReferrersCache;
  logger?: SignatureGateLogger;
  metrics?: SignatureMetrics;
}

/** Wire the registry services over a metadata store and a blob store. */
export function createRegistryServices(deps: {
  metadata: MetadataStore;
  store: BlobStore;
  proxy: ProxyDeps;
  settings?: Partial<CoreSettings>;
  signatures?: SignatureDeps;
}): RegistryServices {
  const settings: CoreSettings = { ...DEFAULT_CORE_SETTINGS, ...deps.settings };
  const { metadata, store } = deps;
  const metrics = deps.proxy.metrics ?? NO_PROXY_METRICS;
  const fills = new BlobFills({
    store,
    spoolDir: deps.proxy.spoolDir,
    ...(deps.proxy.fillLock !== undefined ? { lock: deps.proxy.fillLock } : {}),
    ...(deps.proxy.logger !== undefined ? { logger: deps.proxy.logger } : {}),
    metrics: { digestMismatch: () => metrics.digestMismatch('*'), coalesced: () => metrics.fillJoined() },
    // The garbage collector must not delete what a fill is publishing.
    beforePublish: (blob) => claimBlobOrWait(metadata, blob),
  });
  const pulls = new ProjectPulls(metadata);
  const upstreams = new UpstreamPool(deps.proxy.upstreamFactory, deps.proxy.sealer, {
    ...(deps.proxy.logger !== undefined ? { logger: deps.proxy.logger } : {}),
    ...(deps.proxy.upstreamHooks !== undefined ? { hooks: deps.proxy.upstreamHooks } : {}),
    ...(deps.proxy.upstreamProxy !== undefined ? { proxy: deps.proxy.upstreamProxy } : {}),
  });
  const referrers = new ProxyReferrers(deps.proxy.referrersCache ?? new InMemoryReferrersCache(), {
    freshMs: deps.proxy.referrersFreshMs ?? DEFAULT_REFERRERS_FRESH_MS,
    metrics,
    ...(deps.proxy.logger !== undefined ? { logger: deps.proxy.logger } : {}),
    ...(deps.proxy.background !== undefined ? { background: deps.proxy.background } : {}),
  });
  const versions = deps.proxy.contentVersions ?? new InProcessContentVersions();
  // Which upstream served a tag or digest, for projects with several upstreams (manifests and blobs share it).
  const sources = new UpstreamSources();
  // One cached read of the project list serves the proxy settings and the signature policies.
  const projectRows = new ProjectRows(metadata);
  const proxy = new ProxyService(
    metadata,
    upstreams,
    new ProxyManifests(metadata, metrics, Date.now, pulls, versions, {
      pulls: new ManifestPulls(metadata),
      ...(deps.proxy.background !== undefined ? { background: deps.proxy.background } : {}),
    }, sources),
    new ProxyBlobs(metadata, store, fills, metrics, Date.now, sources),
    referrers,
    versions,
    projectRows,
  );
  const audit = new RegistryAudit(metadata.accounts);
  const repositories = new RepositoryResolver(metadata, settings, audit);
  const hostedMemory = settings.hostedManifestMaxAgeMs > 0 ? new HostedManifestMemory(versions, { maxAgeMs: settings.hostedManifestMaxAgeMs }) : undefined;
  const manifests = new ManifestService(metadata, repositories, settings, proxy, pulls, audit, versions, hostedMemory);
  const blobs = new BlobService(metadata, store, repositories);
  const referrersService = new ReferrersService(metadata, repositories, settings, proxy);
  const sig = deps.signatures ?? {};
  const signatures = new SignatureGate({
    policies: new ProjectPolicies(projectRows, sig.createVerifier ?? createSignatureVerifier),
    referrers: referrersService,
    evidence: new SignatureEvidence({ manifests, blobs, proxy }),
    metadata,
    versions,
    cache: new VerdictCache(sig.verdictCache, sig.logger !== undefined ? { logger: sig.logger } : {}),
    ...(sig.logger !== undefined ? { logger: sig.logger } : {}),
    ...(sig.metrics !== undefined ? { metrics: sig.metrics } : {}),
  });
  return {
    settings,
    repositories,
    audit,
    manifests,
    blobs,
    uploads: new UploadService(metadata, store, repositories, settings),
    listing: new ListingService(metadata, repositories),
    referrers: referrersService,
    proxy,
    signatures,
    contentVersionReads: () => new ContentVersionReads(versions),
    metadata,
    store,
    async close() {
      await fills.drain();
      await upstreams.close();
    },
  };
}
