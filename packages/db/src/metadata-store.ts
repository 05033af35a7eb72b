import type { AccountStore } from './account-store.js';

/**
 * The metadata port the services use. Implemented with drizzle-orm over Postgres (pg) or
 * embedded PGlite; both pass one contract test suite. Every write that must be consistent under
 * concurrency is one transaction relying on constraints (no read-then-write races).
 */

export type ProjectKind = 'hosted' | 'proxy';

export interface ProjectRow {
  id: number;
  name: string;
  kind: ProjectKind;
  /** Project settings (upstream, TTLs, push policy, ...) as validated JSON; shape owned by core. */
  settings: Record<string, unknown>;
  /** Anonymous pull allowed (when authentication is on). */
  public: boolean;
  /** Who owns the settings: the configuration (upsertProject) or the admin API (every other way in). */
  managedBy: ProjectOwner;
  createdAt: Date;
  updatedAt: Date;
}

export type ProjectOwner = 'api' | 'configuration';

/** What the admin API may change on a project (kind is fixed at creation). */
export interface ProjectPatch {
  settings?: Record<string, unknown>;
  public?: boolean;
  /** Start hands a project no longer declared in configuration back to the API. */
  managedBy?: ProjectOwner;
}

/** Per-project numbers for the admin API. */
export interface ProjectStats {
  repositories: number;
  manifests: number;
  /** Distinct blobs linked to the project's repositories, and their total size. */
  blobs: number;
  blobBytes: number;
  /** Last pull recorded with recordProjectPull; null when never. */
  lastPulledAt: Date | null;
}

export interface RepositoryRow {
  id: number;
  projectId: number;
  /** Full repository name including the project component, e.g. `library/nginx` under project `library`. */
  name: string;
  createdAt: Date;
}

export interface BlobRow {
  digest: string;
  size: number;
}

export interface ManifestRow {
  repositoryId: number;
  digest: string;
  mediaType: string;
  size: number;
  /** The exact bytes as pushed or fetched. */
  content: Uint8Array;
  subject: string | null;
  /** The manifest's own artifactType field, if any. */
  artifactType: string | null;
  annotations: Record<string, string> | null;
  /** config.mediaType of an image manifest (referrers fall back to it when artifactType is absent). */
  configMediaType: string | null;
  source: 'local' | 'cached';
  createdAt: Date;
}

/** A manifest without its bytes: enough to build a referrers descriptor. */
export type ManifestSummary = Omit<ManifestRow, 'content'>;

export interface NewManifest {
  repositoryId: number;
  digest: string;
  mediaType: string;
  content: Uint8Array;
  subject: string | null;
  artifactType: string | null;
  annotations: Record<string, string> | null;
  configMediaType: string | null;
  source: 'local' | 'cached';
  /** Digests of blobs (config, layers) this manifest references. */
  blobRefs: string[];
  /** Digests of manifests (index children) this manifest references. */
  manifestRefs: string[];
  /** Tags to point at this manifest in the same transaction (with this source; cached tags are marked checked now). */
  tags: string[];
}

export interface TagRow {
  name: string;
  digest: string;
  source: 'local' | 'cached';
  /** When the upstream last confirmed the digest (cached tags), or was last merged into a local cosign tag; else null for local tags. */
  checkedAt: Date | null;
}

export interface UploadRow {
  id: string;
  repositoryId: number;
  offset: number;
  createdAt: Date;
  /** Last write; a time in the future is a writer's claim, in force until then (claimUpload). */
  updatedAt: Date;
}

/** One writer's hold on an upload session; `until` (when it lapses) is also its token. */
export interface UploadClaim {
  id: string;
  /** The session's offset when claimed. */
  offset: number;
  until: Date;
}

/** A cached image of a proxy project: a root manifest with its index children, blobs and referrers. */
export interface CachedImage {
  repositoryId: number;
  /** Full repository name. */
  repository: string;
  digest: string;
  /** The latest pull of the manifest or of any of its index children; its createdAt when never pulled. */
  lastUsedAt: Date;
}

export interface EvictionResult {
  /** Manifests deleted: the image, its children no other stored index lists, its cached referrers. */
  manifests: number;
  /** Repository blob links removed (blobs no remaining manifest of the repository references). */
  blobLinks: number;
}

export interface Page {
  /** Maximum number of items; undefined for all. */
  limit?: number;
  /** Return only items lexically after this one. */
  after?: string;
}

/** One row of a project's repository listing. */
export interface RepositorySummary {
  name: string;
  createdAt: Date;
  tagCount: number;
  manifestCount: number;
  /** Total size of the distinct blobs the repository links. */
  sizeBytes: number;
  /** Newest manifest pushed to Berth (`local`); null when none. */
  lastPushedAt: Date | null;
  /** Newest manifest cached from the upstream; null when none. */
  lastCachedAt: Date | null;
  lastPulledAt: Date | null;
}

export interface RepositoryPage extends Page {
  /** Only names containing this text. */
  contains?: string;
}

/** A tag with the manifest it points at. */
export interface TagDetail {
  name: string;
  digest: string;
  source: 'local' | 'cached';
  checkedAt: Date | null;
  updatedAt: Date;
  mediaType: string;
  artifactType: string | null;
  configMediaType: string | null;
  size: number;
  content: Uint8Array;
  createdAt: Date;
  lastPulledAt: Date | null;
}

export interface MetadataStore {
  /** Users, memberships, robots, audit and the signing key, in the same database. */
  readonly accounts: AccountStore;

  // Projects
  getProject(name: string): Promise<ProjectRow | null>;
  /** Create the project if absent (concurrent callers get the same row); never changes an existing one. */
  ensureProject(name: string, kind: ProjectKind, settings: Record<string, unknown>): Promise<ProjectRow>;
  /**
   * Create or replace kind, settings and visibility (configuration-as-code); `public` defaults to
   * false. The project is then managed by configuration.
   */
  upsertProject(name: string, kind: ProjectKind, settings: Record<string, unknown>, options?: { public?: boolean }): Promise<ProjectRow>;
  /** Throws AlreadyExistsError (from account-store) when the name is taken. */
  createProject(name: string, kind: ProjectKind, settings: Record<string, unknown>, options: { public: boolean }): Promise<ProjectRow>;
  /** The updated row, or null when there is no such project. */
  updateProject(name: string, patch: ProjectPatch): Promise<ProjectRow | null>;
  /** Delete the project with its repositories, manifests, tags, links, members and robots; false when absent. Blob bytes stay for GC. */
  deleteProject(name: string): Promise<boolean>;
  listProjects(): Promise<ProjectRow[]>;
  projectStats(projectId: number): Promise<ProjectStats>;
  /** Move the project's last-pull time forward to `at` (never backwards); callers throttle how often. */
  recordProjectPull(projectId: number, at: Date): Promise<void>;
  /**
   * Forget what a proxy project cached from its upstream: manifests with source `cached` (their tags
   * go with them) and the blob links no remaining manifest of the repository references. Limited to
   * one repository when `repositoryName` is given. Locally pushed content stays.
   */
  purgeCachedContent(projectId: number, repositoryName?: string): Promise<{ manifests: number; blobLinks: number }>;

  // Cache lifecycle (eviction and retention of proxy projects)
  /** Move last_pulled_at of these manifests forward to `at` (never backwards); callers throttle how often. */
  recordManifestPulls(pulls: ReadonlyArray<{ repositoryId: number; digest: string }>, at: Date): Promise<void>;
  /**
   * The project's cached images, least recently used first: manifests with source `cached`, no
   * subject, that no stored index of the same repository lists. With `usedBefore`, only images
   * whose lastUsedAt is earlier.
   */
  listCachedImages(projectId: number, options: { limit: number; usedBefore?: Date }): Promise<CachedImage[]>;
  /**
   * Delete one cached image in one transaction: the manifest, its index children that no other
   * remaining manifest lists, and (transitively) the cached manifests whose subject is any of them
   * or that are tagged with their referrers tag (`sha256-<hex>` and cosign's `sha256-<hex>.*`).
   * Then unlink the blobs those manifests referenced that no remaining manifest of the repository
   * references. Local manifests are never deleted. Zeros when the manifest is absent, local, or
   * listed by another stored index (it is part of that image now).
   */
  evictCachedImage(repositoryId: number, digest: string): Promise<EvictionResult>;
  /**
   * Remove the project's blob links made before `linkedBefore` that no manifest of their
   * repository references (blobs fetched or pushed without a manifest that ever came); how many.
   */
  unlinkOrphanBlobs(projectId: number, linkedBefore: Date): Promise<number>;

  // Blob garbage collection: mark unlinked blobs, then after a grace period claim, delete bytes, forget.
  /**
   * Keep a blob from being collected before writing or relying on its bytes: create its row or
   * clear its mark. False while a collector is deleting it (claimed less than 10 minutes ago);
   * the caller waits and tries again. A claim older than that is taken over (the collector died).
   */
  claimBlob(blob: BlobRow): Promise<boolean>;
  /** Mark every blob no repository links and that is not yet marked; returns how many were marked. */
  markUnlinkedBlobs(): Promise<number>;
  /**
   * Claim for deletion up to `limit` blobs marked before `markedBefore` and still unlinked (and not
   * claimed by a live collector); they are returned and no writer may claim them now.
   */
  claimBlobsForDeletion(markedBefore: Date, limit: number): Promise<BlobRow[]>;
  /** Remove the rows of blobs claimed for deletion whose bytes are gone; rows re-claimed by a writer stay. */
  forgetBlobs(digests: string[]): Promise<number>;

  // Repositories
  getRepository(name: string): Promise<RepositoryRow | null>;
  /** Create if absent; concurrent callers get the same row. */
  ensureRepository(projectId: number, name: string): Promise<RepositoryRow>;
  /** Repository names in lexical order (for _catalog). */
  listRepositories(page: Page): Promise<string[]>;
  /** One project's repository names, in lexical order. */
  projectRepositoryNames(projectId: number): Promise<string[]>;
  /** A project's repositories with tag counts, sizes, last push and last pull (the admin API's listing). */
  browseRepositories(projectId: number, page: RepositoryPage): Promise<RepositorySummary[]>;
  /** Tags with their manifests, in lexical order; `digest` keeps only the tags pointing at it. */
  tagDetails(repositoryId: number, page: Page & { digest?: string }): Promise<TagDetail[]>;
  /** Delete a repository with its manifests, tags, blob links and uploads (blob bytes stay for GC). */
  deleteRepository(repositoryId: number): Promise<boolean>;
  /** Several manifests of a repository with their bytes; absent digests are left out. */
  getManifests(repositoryId: number, digests: string[]): Promise<ManifestRow[]>;
  /** When a manifest was last pulled; null when never (or absent). */
  manifestPulledAt(repositoryId: number, digest: string): Promise<Date | null>;
  /**
   * Fold repository `fromName` into `intoName` of the same project (renamed when `intoName` does not
   * exist): links, manifests, tags and uploads move; a pushed manifest or tag wins over a cached one.
   * False when `fromName` is not a repository of the project.
   */
  mergeRepositoryInto(projectId: number, fromName: string, intoName: string): Promise<boolean>;

  // Blobs (global by digest) and their links to repositories
  /** Record a stored blob and link it to the repository (idempotent); clears a GC mark. Claim first (claimBlob). */
  linkBlob(repositoryId: number, blob: BlobRow): Promise<void>;
  /** The blob when it is linked to this repository, else null. */
  getLinkedBlob(repositoryId: number, digest: string): Promise<BlobRow | null>;
  /** The blob when it is known anywhere (for cross-repository mount), else null. */
  getBlob(digest: string): Promise<BlobRow | null>;
  /** Remove the repository's link; true when a link was removed. The blob row stays for GC. */
  unlinkBlob(repositoryId: number, digest: string): Promise<boolean>;
  /** Of the given digests, those NOT linked to the repository. */
  missingBlobs(repositoryId: number, digests: string[]): Promise<string[]>;

  // Manifests and tags
  getManifest(repositoryId: number, digest: string): Promise<ManifestRow | null>;
  /** Resolve a tag to its manifest in one query. */
  getManifestByTag(repositoryId: number, tag: string): Promise<ManifestRow | null>;
  /** Of the given digests, those with no manifest in the repository. */
  missingManifests(repositoryId: number, digests: string[]): Promise<string[]>;
  /**
   * Store a manifest (idempotent for the same digest) with its references, and point `tags` at it,
   * all in one transaction. Re-tagging moves the tag.
   */
  putManifest(manifest: NewManifest): Promise<void>;
  /** Delete a manifest and every tag pointing at it; false when absent. */
  deleteManifest(repositoryId: number, digest: string): Promise<boolean>;
  /** Delete one tag (not its manifest); false when absent. */
  deleteTag(repositoryId: number, tag: string): Promise<boolean>;
  getTag(repositoryId: number, tag: string): Promise<TagRow | null>;
  /** Set checkedAt to now when the tag still points at `digest`; false when it does not. */
  markTagChecked(repositoryId: number, tag: string, digest: string): Promise<boolean>;
  /** Tag names in lexical order. */
  listTags(repositoryId: number, page: Page): Promise<string[]>;
  /** Manifests in the repository whose subject is `subjectDigest`, ordered by digest. */
  listReferrers(repositoryId: number, subjectDigest: string): Promise<ManifestSummary[]>;
  /** Summaries for the given digests that exist in the repository (order not guaranteed). */
  getManifestSummaries(repositoryId: number, digests: string[]): Promise<ManifestSummary[]>;
  /**
   * Digests of stored indexes in the repository named `repository` that list `childDigest` (at most
   * 100, ordered; none when there is no such repository). One query, by name.
   */
  listParentIndexes(repository: string, childDigest: string): Promise<string[]>;

  // Upload sessions
  createUpload(id: string, repositoryId: number): Promise<UploadRow>;
  getUpload(id: string): Promise<UploadRow | null>;
  /**
   * Claim the session for one writer (a chunk or the commit) for `leaseMs`, when its offset is
   * `offset` and no other claim is in force; null otherwise. Of writers racing from the same
   * offset, exactly one gets it; a claim not renewed lapses (a crashed writer's), database time.
   * With `unchangedSince` (a row's `updatedAt` as createUpload or releaseUploadClaim returned it)
   * also null unless the row's `updatedAt` is still that, to the millisecond: nobody claimed it since.
   */
  claimUpload(id: string, offset: number, leaseMs: number, unchangedSince?: Date): Promise<UploadClaim | null>;
  /** Extend a claim still held, for `leaseMs` from now; null when it was lost. */
  renewUploadClaim(claim: UploadClaim, leaseMs: number): Promise<UploadClaim | null>;
  /** End a claim still held, recording `offset` as the bytes received: the row's new `updatedAt`, or null when it was lost. */
  releaseUploadClaim(claim: UploadClaim, offset: number): Promise<Date | null>;
  deleteUpload(id: string): Promise<boolean>;
  /** Upload sessions not written to since `updatedBefore`, oldest first. */
  listStaleUploads(updatedBefore: Date, limit: number): Promise<UploadRow[]>;

  /** Reachability check for readiness probes. */
  ping(): Promise<void>;
  /** Migrations of this code's migrations folder the database has not applied (readiness probes). */
  pendingMigrations(): Promise<number>;
  close(): Promise<void>;
}
