import { sql } from 'drizzle-orm';
import type { Database } from './database.js';
import { createDrizzleAccountStore } from './drizzle-account-store.js';
import type { MetadataStore } from './metadata-store.js';
import { withUnavailableErrors } from './unavailable.js';
import { defaultMigrationsFolder, pendingMigrationsCounter } from './migration-status.js';
import * as blobGc from './queries/blob-gc.js';
import * as blobs from './queries/blobs.js';
import * as cacheLifecycle from './queries/cache-lifecycle.js';
import { evictCachedImage } from './queries/evict-cached-image.js';
import { unlinkOrphanBlobs } from './queries/orphan-links.js';
import * as manifests from './queries/manifests.js';
import * as mergeRepositories from './queries/merge-repositories.js';
import * as browse from './queries/browse.js';
import * as projectStats from './queries/project-stats.js';
import * as projects from './queries/projects.js';
import * as purge from './queries/purge-cached-content.js';
import * as repositories from './queries/repositories.js';
import * as tags from './queries/tags.js';
import * as uploads from './queries/uploads.js';

const databases = new WeakMap<MetadataStore, Database>();

/**
 * Test-only hook: the drizzle database behind a store made here, for contract cases that must set
 * up states no port method produces (e.g. a blob claimed by a collector that died 11 minutes ago).
 */
export function drizzleDatabaseOf(store: MetadataStore): Database {
  const db = databases.get(store);
  if (db === undefined) throw new Error('not a store made by createDrizzleMetadataStore');
  return db;
}

/**
 * The MetadataStore over a drizzle database of either driver; `close` releases the driver
 * (pool or embedded instance). After close every call fails. `migrationsFolder` is the folder whose
 * migrations `pendingMigrations` compares with the database (the repository's by default).
 * A server that cannot be reached surfaces as DatabaseUnavailableError from every method.
 */
export function createDrizzleMetadataStore(db: Database, close: () => Promise<void>, options: { migrationsFolder?: string } = {}): MetadataStore {
  let closing: Promise<void> | undefined;
  const pendingMigrations = pendingMigrationsCounter(db, options.migrationsFolder ?? defaultMigrationsFolder);
  const store: MetadataStore = withUnavailableErrors<MetadataStore>({
    accounts: createDrizzleAccountStore(db),

    getProject: (name) => projects.getProject(db, name),
    ensureProject: (name, kind, settings) => projects.ensureProject(db, name, kind, settings),
    upsertProject: (name, kind, settings, options) => projects.upsertProject(db, name, kind, settings, options),
    createProject: (name, kind, settings, options) => projects.createProject(db, name, kind, settings, options),
    updateProject: (name, patch) => projects.updateProject(db, name, patch),
    deleteProject: (name) => projects.deleteProject(db, name),
    listProjects: () => projects.listProjects(db),
    projectStats: (projectId) => projectStats.projectStats(db, projectId),
    recordProjectPull: (projectId, at) => projectStats.recordProjectPull(db, projectId, at),
    purgeCachedContent: (projectId, repositoryName) => purge.purgeCachedContent(db, projectId, repositoryName),

    recordManifestPulls: (pulls, at) => cacheLifecycle.recordManifestPulls(db, pulls, at),
    listCachedImages: (projectId, options) => cacheLifecycle.listCachedImages(db, projectId, options),
    evictCachedImage: (repositoryId, digest) => evictCachedImage(db, repositoryId, digest),
    unlinkOrphanBlobs: (projectId, linkedBefore) => unlinkOrphanBlobs(db, projectId, linkedBefore),

    claimBlob: (blob) => blobGc.claimBlob(db, blob),
    markUnlinkedBlobs: () => blobGc.markUnlinkedBlobs(db),
    claimBlobsForDeletion: (markedBefore, limit) => blobGc.claimBlobsForDeletion(db, markedBefore, limit),
    forgetBlobs: (digests) => blobGc.forgetBlobs(db, digests),

    getRepository: (name) => repositories.getRepository(db, name),
    ensureRepository: (projectId, name) => repositories.ensureRepository(db, projectId, name),
    listRepositories: (page) => repositories.listRepositories(db, page),
    projectRepositoryNames: (projectId) => mergeRepositories.projectRepositoryNames(db, projectId),
    mergeRepositoryInto: (projectId, fromName, intoName) => mergeRepositories.mergeRepositoryInto(db, projectId, fromName, intoName),

    browseRepositories: (projectId, page) => browse.browseRepositories(db, projectId, page),
    tagDetails: (repositoryId, page) => browse.tagDetails(db, repositoryId, page),
    deleteRepository: (repositoryId) => browse.deleteRepository(db, repositoryId),
    getManifests: (repositoryId, digests) => browse.getManifests(db, repositoryId, digests),
    manifestPulledAt: (repositoryId, digest) => browse.manifestPulledAt(db, repositoryId, digest),

    linkBlob: (repositoryId, blob) => blobs.linkBlob(db, repositoryId, blob),
    getLinkedBlob: (repositoryId, digest) => blobs.getLinkedBlob(db, repositoryId, digest),
    getBlob: (digest) => blobs.getBlob(db, digest),
    unlinkBlob: (repositoryId, digest) => blobs.unlinkBlob(db, repositoryId, digest),
    missingBlobs: (repositoryId, digests) => blobs.missingBlobs(db, repositoryId, digests),

    getManifest: (repositoryId, digest) => manifests.getManifest(db, repositoryId, digest),
    getManifestByTag: (repositoryId, tag) => manifests.getManifestByTag(db, repositoryId, tag),
    missingManifests: (repositoryId, digests) => manifests.missingManifests(db, repositoryId, digests),
    putManifest: (manifest) => manifests.putManifest(db, manifest),
    deleteManifest: (repositoryId, digest) => manifests.deleteManifest(db, repositoryId, digest),
    deleteTag: (repositoryId, tag) => tags.deleteTag(db, repositoryId, tag),
    getTag: (repositoryId, tag) => tags.getTag(db, repositoryId, tag),
    markTagChecked: (repositoryId, tag, digest) => tags.markTagChecked(db, repositoryId, tag, digest),
    listTags: (repositoryId, page) => tags.listTags(db, repositoryId, page),
    listReferrers: (repositoryId, subject) => manifests.listReferrers(db, repositoryId, subject),
    getManifestSummaries: (repositoryId, digests) => manifests.getManifestSummaries(db, repositoryId, digests),
    listParentIndexes: (repository, childDigest) => manifests.listParentIndexes(db, repository, childDigest),

    createUpload: (id, repositoryId) => uploads.createUpload(db, id, repositoryId),
    getUpload: (id) => uploads.getUpload(db, id),
    claimUpload: (id, offset, leaseMs, unchangedSince) => uploads.claimUpload(db, id, offset, leaseMs, unchangedSince),
    renewUploadClaim: (claim, leaseMs) => uploads.renewUploadClaim(db, claim, leaseMs),
    releaseUploadClaim: (claim, offset) => uploads.releaseUploadClaim(db, claim, offset),
    deleteUpload: (id) => uploads.deleteUpload(db, id),
    listStaleUploads: (updatedBefore, limit) => uploads.listStaleUploads(db, updatedBefore, limit),

    async ping() {
      await db.execute(sql`select 1`);
    },
    pendingMigrations,
    close() {
      closing ??= close();
      return closing;
    },
  });
  databases.set(store, db);
  return store;
}
