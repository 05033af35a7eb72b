import type { ProjectPulls } from './project-pulls.js';
import {
  OciError,
  assertTag,
  digestOf,
  parseDigest,
  parseManifest,
  parseReference,
  referencedBlobs,
  referencedManifests,
  type ParsedManifest,
} from '@berth/oci';
import type { ManifestRow, MetadataStore } from '@berth/db';
import type { Actor, RegistryAudit } from './audit/registry-audit.js';
import type { HostedManifestMemory } from './hosted-manifest-memory.js';
import type { ContentVersions } from './proxy/content-versions.js';
import type { RepositoryResolver } from './repositories.js';
import type { CoreSettings } from './settings.js';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  content: Uint8Array;
  subject: string | null;
}

/** What the proxy needs to hear of pushes and deletes in its projects. */
export interface ProxyPushGuard {
  /** Checks a push against the upstream (a local tag must not shadow an upstream one). */
  beforeTagPush(name: string, tags: string[]): Promise<void>;
  /** The repository's manifests or tags changed: drop what is remembered of them. */
  afterChange(name: string): Promise<void>;
  /** Blobs a pushed manifest references that the repository lacks: fetched from the upstream when it has them. */
  adoptUpstreamBlobs(name: string, digests: string[]): Promise<void>;
  /** Manifests a pushed index references that the repository lacks: fetched from the upstream when it has them. */
  adoptUpstreamManifests(name: string, digests: string[]): Promise<void>;
}

/** Fetches what a manifest pushed into a proxy project references and the repository lacks. */
interface Adopters {
  blobs(digests: string[]): Promise<void>;
  manifests(digests: string[]): Promise<void>;
}

export interface PutManifestResult {
  digest: string;
  /** Set when the manifest has a subject: answered as OCI-Subject. */
  subject?: string;
}

/** Hosted manifests and tags: get, put, delete, byte-for-byte. */
export class ManifestService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly repositories: RepositoryResolver,
    private readonly settings: Pick<CoreSettings, 'maxManifestBytes'>,
    private readonly proxyGuard?: ProxyPushGuard,
    private readonly pulls?: ProjectPulls,
    private readonly audit?: RegistryAudit,
    /** Changed by every write in a hosted project too, so verdicts over its referrers are recomputed. */
    private readonly versions?: Pick<ContentVersions, 'bump'>,
    /** Manifests read before, served while their project's content version is unchanged. */
    private readonly memory?: HostedManifestMemory,
  ) {}

  /**
   * `versions`: the request's reads of the content versions (ContentVersionReads), when the request
   * consults the version again after this (the signature policy's verdicts).
   */
  async get(name: string, reference: string, versions?: Pick<ContentVersions, 'current'>): Promise<StoredManifest> {
    const ref = parseReference(reference);
    const remembered = await this.memory?.get(name, reference, versions);
    if (remembered !== undefined) {
      this.pulls?.record(remembered.projectId);
      return remembered.manifest;
    }
    const repository = await this.repositories.forRead(name);
    // Read before the manifest: a write that lands meanwhile leaves the entry outdated at once.
    const version = await this.memory?.versionOf(repository.projectId, versions);
    const row =
      ref.kind === 'tag'
        ? await this.metadata.getManifestByTag(repository.id, ref.tag)
        : await this.metadata.getManifest(repository.id, ref.digest);
    if (row === null) throw manifestUnknown(name, reference);
    this.pulls?.record(repository.projectId);
    const manifest = toStored(row);
    if (version !== undefined) this.memory?.remember(name, reference, repository.projectId, version, manifest);
    return manifest;
  }

  async put(
    name: string,
    reference: string,
    content: Uint8Array,
    contentType: string | undefined,
    push: { actor: Actor; extraTags?: string[] },
  ): Promise<PutManifestResult> {
    const extraTags = push.extraTags ?? [];
    if (content.byteLength > this.settings.maxManifestBytes) {
      throw new OciError('MANIFEST_TOO_BIG', `manifest is ${content.byteLength} bytes; the limit is ${this.settings.maxManifestBytes}`);
    }
    const ref = parseReference(reference, 'push');
    const digest = ref.kind === 'digest' ? ref.digest : digestOf(content, 'sha256');
    if (ref.kind === 'digest') {
      const actual = digestOf(content, parseDigest(ref.digest).algorithm);
      if (actual !== ref.digest) {
        throw new OciError('DIGEST_INVALID', `manifest content hashes to ${actual}, not ${ref.digest}`, {
          detail: { expected: ref.digest, actual },
        });
      }
    }
    for (const tag of extraTags) assertTag(tag);
    const tags = [...new Set([...(ref.kind === 'tag' ? [ref.tag] : []), ...extraTags])];
    const manifest = parseManifest(content, contentType);
    const { project, repository } = await this.repositories.forWrite(name, push.actor, { kind: 'manifest', subject: manifest.subject?.digest, tags });
    if (project.kind === 'proxy' && tags.length > 0) await this.proxyGuard?.beforeTagPush(name, tags);
    // A client skips uploading blobs whose HEAD answered 200, which a proxy project answers from its upstream.
    // Likewise an index's children (oras pushes a referrers index listing the upstream's referrers).
    const guard = project.kind === 'proxy' ? this.proxyGuard : undefined;
    const adopt: Adopters | undefined = guard === undefined ? undefined : {
      blobs: (digests) => guard.adoptUpstreamBlobs(name, digests),
      manifests: (digests) => guard.adoptUpstreamManifests(name, digests),
    };
    await this.assertReferencesExist(repository.id, manifest, adopt);
    await this.metadata.putManifest({
      repositoryId: repository.id,
      digest,
      mediaType: manifest.mediaType,
      content,
      subject: manifest.subject?.digest ?? null,
      artifactType: manifest.artifactType ?? null,
      annotations: manifest.annotations ?? null,
      configMediaType: manifest.config?.mediaType ?? null,
      source: 'local',
      blobRefs: referencedBlobs(manifest),
      manifestRefs: referencedManifests(manifest),
      tags,
    });
    this.memory?.forgetRepository(name);
    if (project.kind === 'proxy') await this.proxyGuard?.afterChange(name);
    else await this.versions?.bump(project.id, name).catch(() => undefined);
    // One row per push: by tag it is `tag.push` (the manifest came with it), by digest `manifest.push`.
    await this.audit?.repositoryEvent(push.actor, tags.length > 0 ? 'tag.push' : 'manifest.push', name, `manifest:${name}@${digest}`, {
      digest,
      mediaType: manifest.mediaType,
      tags,
      ...(manifest.subject !== undefined ? { subject: manifest.subject.digest } : {}),
      ...(manifest.artifactType !== undefined ? { artifactType: manifest.artifactType } : {}),
    });
    return manifest.subject ? { digest, subject: manifest.subject.digest } : { digest };
  }

  /** Delete by digest (the manifest and its tags) or by tag (the tag only). */
  async delete(name: string, reference: string, actor: Actor): Promise<void> {
    const ref = parseReference(reference);
    const repository = await this.repositories.forRead(name);
    const deleted =
      ref.kind === 'tag'
        ? await this.metadata.deleteTag(repository.id, ref.tag)
        : await this.metadata.deleteManifest(repository.id, ref.digest);
    if (!deleted) throw manifestUnknown(name, reference);
    this.memory?.forgetRepository(name);
    await this.proxyGuard?.afterChange(name);
    // A proxy project's version was changed by afterChange already; a second change costs nothing.
    await this.versions?.bump(repository.projectId, name).catch(() => undefined);
    if (ref.kind === 'tag') await this.audit?.repositoryEvent(actor, 'tag.delete', name, `tag:${name}:${ref.tag}`, { tag: ref.tag });
    else await this.audit?.repositoryEvent(actor, 'manifest.delete', name, `manifest:${name}@${ref.digest}`, { digest: ref.digest });
  }

  /**
   * Layers and config, and an index's children, must be in the repository (after `adopt` fetched
   * what it could of the missing ones); a subject need not exist.
   */
  private async assertReferencesExist(repositoryId: number, manifest: ParsedManifest, adopt?: Adopters): Promise<void> {
    let missingBlobs = await this.metadata.missingBlobs(repositoryId, referencedBlobs(manifest));
    if (missingBlobs.length > 0 && adopt !== undefined) {
      await adopt.blobs(missingBlobs);
      missingBlobs = await this.metadata.missingBlobs(repositoryId, missingBlobs);
    }
    if (missingBlobs.length > 0) {
      throw new OciError('MANIFEST_BLOB_UNKNOWN', `manifest references ${missingBlobs.length} blob(s) unknown to this repository`, {
        detail: { digests: missingBlobs },
      });
    }
    let missingManifests = await this.metadata.missingManifests(repositoryId, referencedManifests(manifest));
    if (missingManifests.length > 0 && adopt !== undefined) {
      await adopt.manifests(missingManifests);
      missingManifests = await this.metadata.missingManifests(repositoryId, missingManifests);
    }
    if (missingManifests.length > 0) {
      // The spec names MANIFEST_BLOB_UNKNOWN for any missing reference, child manifests included.
      throw new OciError('MANIFEST_BLOB_UNKNOWN', `index references ${missingManifests.length} manifest(s) unknown to this repository`, {
        detail: { digests: missingManifests },
      });
    }
  }
}

function manifestUnknown(name: string, reference: string): OciError {
  return new OciError('MANIFEST_UNKNOWN', `manifest ${reference} is not in ${name}`, { detail: { name, reference } });
}

function toStored(row: ManifestRow): StoredManifest {
  return { digest: row.digest, mediaType: row.mediaType, content: row.content, subject: row.subject };
}
