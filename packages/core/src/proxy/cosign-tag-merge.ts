import { parseManifest, referencedBlobs, referencedManifests } from '@berth/oci';
import type { ManifestRow, MetadataStore, RepositoryRow } from '@berth/db';
import type { FetchedManifest } from '@berth/upstream';
import type { StoredManifest } from '../manifests.js';
import type { ContentVersions } from './content-versions.js';
import { withUpstreamLayers } from './cosign-tags.js';
import type { ProxyContext } from './proxy-context.js';
import { UPSTREAM_MANIFEST_ACCEPT } from './upstream-accept.js';

/**
 * A cosign tag pushed to a proxy project, joined with the upstream's manifest under the same tag:
 * its signature layers the local one lacks are appended (cosign-tags.ts), the result is stored as a
 * local manifest and the tag moved to it. So the team's signatures never hide the publisher's,
 * including ones the publisher adds later. The caller decides when (once per tag TTL).
 */
export class CosignTagMerge {
  constructor(
    private readonly metadata: MetadataStore,
    /** The upstream manifest by digest (the caller's single-flight GET); throws when unavailable. */
    private readonly fetchByDigest: (ctx: ProxyContext, digest: string) => Promise<FetchedManifest | null>,
    private readonly versions?: ContentVersions,
  ) {}

  /**
   * The merged manifest the tag names now, or null when the local one stays as it is (the upstream
   * has no such tag or nothing new); checkedAt records the look either way. Throws when the upstream
   * cannot answer (the caller then serves the local manifest).
   */
  async merge(ctx: ProxyContext, repository: RepositoryRow, tag: string, local: ManifestRow): Promise<StoredManifest | null> {
    let theirs: FetchedManifest | null = null;
    const first = ctx.upstreams[0]!;
    const head = await first.client.headManifest(first.repository, tag, UPSTREAM_MANIFEST_ACCEPT);
    if (head !== null && head.digest !== local.digest) {
      const known = await this.metadata.getManifest(repository.id, head.digest);
      theirs = known !== null ? { digest: known.digest, mediaType: known.mediaType, size: known.size, bytes: Buffer.from(known.content) } : await this.fetchByDigest(ctx, head.digest);
    }
    const merged = theirs === null ? null : withUpstreamLayers(local.content, theirs.bytes);
    if (merged === null) {
      await this.metadata.markTagChecked(repository.id, tag, local.digest);
      return null;
    }
    // A push of the tag since `local` was read wins (this narrows the race; it does not close it).
    if ((await this.metadata.getTag(repository.id, tag))?.digest !== local.digest) return null;
    const parsed = parseManifest(merged.bytes, local.mediaType);
    await this.metadata.putManifest({
      repositoryId: repository.id,
      digest: merged.digest,
      mediaType: local.mediaType,
      content: merged.bytes,
      subject: parsed.subject?.digest ?? null,
      artifactType: parsed.artifactType ?? null,
      annotations: parsed.annotations ?? null,
      configMediaType: parsed.config?.mediaType ?? null,
      source: 'local',
      blobRefs: referencedBlobs(parsed),
      manifestRefs: referencedManifests(parsed),
      tags: [tag],
    });
    await this.metadata.markTagChecked(repository.id, tag, merged.digest);
    await this.versions?.bump(ctx.project.id, ctx.name).catch(() => undefined);
    return { digest: merged.digest, mediaType: local.mediaType, content: merged.bytes, subject: parsed.subject?.digest ?? null };
  }
}
