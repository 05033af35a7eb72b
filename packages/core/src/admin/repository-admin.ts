import type { Principal } from '@berth/auth';
import type { ManifestRow, ProjectRow, RepositoryRow } from '@berth/db';
import { isRepositoryName, mergeReferrers, parseDigest, referrerDescriptor, type Descriptor } from '@berth/oci';
import { projectFor, requireCaller } from './admin-access.js';
import type { AdminDeps } from './admin-deps.js';
import { AdminError, invalidInput, parseInput } from './admin-errors.js';
import { repositoryQuerySchema, tagQuerySchema } from './admin-schemas.js';
import type { AuditTrail } from './audit-trail.js';
import {
  descriptorView,
  kindOf,
  parsedOrNull,
  platformOf,
  repositoryView,
  sizeOf,
  tagView,
  type ArtifactView,
  type ReferrerNode,
  type RepositoryList,
  type TagList,
} from './repository-views.js';

/**
 * Referrer trees go this deep (an image's SBOM's own signature), and only the first referrers of a
 * level are expanded: each expansion is one more referrers lookup, upstream too when the project
 * merges the upstream's lists (cached like any referrers answer).
 */
const TREE_DEPTH = 2;
const TREE_CHILDREN_EXPANDED = 8;

/**
 * Browsing a project's repositories, tags and artifacts (whoever may see the project: what they
 * may pull), and deleting tags and repositories (maintainers). In a proxy project a delete acts on
 * Berth's copy only: pushed content, or the cached copy, which the next pull fetches again.
 */
export class RepositoryAdmin {
  constructor(
    private readonly deps: AdminDeps,
    private readonly audit: AuditTrail,
  ) {}

  async list(principal: Principal, projectName: string, query: unknown): Promise<RepositoryList> {
    const project = await projectFor(this.deps.metadata, principal, projectName);
    const { limit, last, q } = parseInput(repositoryQuerySchema, query ?? {});
    const rows = await this.deps.metadata.browseRepositories(project.id, {
      limit: limit + 1,
      ...(last !== undefined ? { after: `${project.name}/${last}` } : {}),
      ...(q !== undefined ? { contains: q } : {}),
    });
    const page = rows.slice(0, limit).map((row) => repositoryView(project.name, row));
    return { repositories: page, next: rows.length > limit ? (page.at(-1)?.path ?? null) : null };
  }

  async tags(principal: Principal, projectName: string, path: string, query: unknown): Promise<TagList> {
    const { repository } = await this.repositoryFor(principal, projectName, path);
    const { limit, last } = parseInput(tagQuerySchema, query ?? {});
    const rows = await this.deps.metadata.tagDetails(repository.id, { limit: limit + 1, ...(last !== undefined ? { after: last } : {}) });
    const tags = [];
    for (const row of rows.slice(0, limit)) {
      const parsed = parsedOrNull(row);
      tags.push(tagView(row, parsed, await this.children(repository.id, parsed?.kind === 'index' ? parsed.manifests : [])));
    }
    return { tags, next: rows.length > limit ? (tags.at(-1)?.name ?? null) : null };
  }

  /** One manifest by tag or digest, with its layers or platforms and its referrers as a tree. */
  async artifact(principal: Principal, projectName: string, path: string, reference: string): Promise<ArtifactView> {
    const { repository } = await this.repositoryFor(principal, projectName, path);
    const manifest = await this.manifestFor(repository, reference);
    const parsed = parsedOrNull(manifest);
    const children = await this.children(repository.id, parsed?.kind === 'index' ? parsed.manifests : []);
    const [tags, lastPulledAt, referrers] = await Promise.all([
      this.deps.metadata.tagDetails(repository.id, { digest: manifest.digest }),
      this.deps.metadata.manifestPulledAt(repository.id, manifest.digest),
      this.referrerTree(repository, manifest.digest, TREE_DEPTH),
    ]);
    return {
      repository: repository.name,
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      artifactType: manifest.artifactType ?? (parsed?.kind === 'image' ? manifest.configMediaType : null),
      kind: kindOf(parsed),
      source: manifest.source === 'local' ? 'pushed' : 'cached',
      sizeBytes: sizeOf(manifest, parsed, children),
      createdAt: manifest.createdAt.toISOString(),
      lastPulledAt: lastPulledAt?.toISOString() ?? null,
      tags: tags.map((t) => t.name),
      annotations: manifest.annotations ?? {},
      config: parsed?.config === undefined ? null : descriptorView(parsed.config),
      layers: (parsed?.layers ?? []).map(descriptorView),
      manifests: (parsed?.manifests ?? []).map((d) => ({ ...descriptorView(d), platform: platformOf(d.platform), stored: children.has(d.digest) })),
      subject: parsed?.subject === undefined ? null : descriptorView(parsed.subject),
      referrers: referrers.nodes,
      upstreamReferrers: referrers.upstream,
    };
  }

  async deleteTag(principal: Principal, projectName: string, path: string, tag: string): Promise<void> {
    const caller = requireCaller(principal);
    const { project, repository } = await this.repositoryFor(caller, projectName, path, 'maintainer');
    const before = await this.deps.metadata.getTag(repository.id, tag);
    if (before === null || !(await this.deps.metadata.deleteTag(repository.id, tag))) {
      throw new AdminError('NOT_FOUND', `tag ${tag} not found in ${repository.name}`, { repository: repository.name, tag });
    }
    await this.afterDelete(project, repository.name);
    await this.audit.record(caller, 'tag.delete', `repository:${repository.name}:${tag}`, { tag, digest: before.digest, source: before.source === 'local' ? 'pushed' : 'cached' }, null);
  }

  async deleteRepository(principal: Principal, projectName: string, path: string): Promise<void> {
    const caller = requireCaller(principal);
    const { project, repository } = await this.repositoryFor(caller, projectName, path, 'maintainer');
    if (!(await this.deps.metadata.deleteRepository(repository.id))) throw new AdminError('NOT_FOUND', `repository ${repository.name} not found`, { repository: repository.name });
    await this.afterDelete(project, repository.name);
    await this.audit.record(caller, 'repository.delete', `repository:${repository.name}`, { name: repository.name }, null);
  }

  /** This process forgets what it remembered of the repository; every process sees the content version change. */
  private async afterDelete(project: ProjectRow, repositoryName: string): Promise<void> {
    if (project.kind === 'proxy') await this.deps.proxy?.forgetProject(project.id, repositoryName);
    else await this.deps.proxy?.contentChanged(project.id, repositoryName);
  }

  /** `path` is the name within the project (`library/nginx`); proxy projects accept every alias of a repository. */
  private async repositoryFor(principal: Principal, projectName: string, path: string, least?: 'maintainer'): Promise<{ project: ProjectRow; repository: RepositoryRow }> {
    const project = await projectFor(this.deps.metadata, principal, projectName, least);
    const full = `${project.name}/${path}`;
    if (!isRepositoryName(full)) throw invalidInput([{ field: 'repository', message: 'must be a repository name within the project, e.g. library/nginx' }]);
    const name = project.kind === 'proxy' ? ((await this.deps.proxy?.canonicalName(full)) ?? full) : full;
    const repository = await this.deps.metadata.getRepository(name);
    if (repository === null || repository.projectId !== project.id) throw new AdminError('NOT_FOUND', `repository ${full} not found`, { repository: full });
    return { project, repository };
  }

  private async manifestFor(repository: RepositoryRow, reference: string): Promise<ManifestRow> {
    let manifest: ManifestRow | null;
    if (reference.includes(':')) {
      try {
        parseDigest(reference);
      } catch {
        throw invalidInput([{ field: 'reference', message: 'must be a tag or a digest (sha256:<64 hex>)' }]);
      }
      manifest = await this.deps.metadata.getManifest(repository.id, reference);
    } else {
      manifest = await this.deps.metadata.getManifestByTag(repository.id, reference);
    }
    if (manifest === null) throw new AdminError('NOT_FOUND', `${reference} not found in ${repository.name}`, { repository: repository.name, reference });
    return manifest;
  }

  private async children(repositoryId: number, descriptors: Descriptor[]): Promise<Map<string, ManifestRow>> {
    const rows = await this.deps.metadata.getManifests(repositoryId, descriptors.map((d) => d.digest));
    return new Map(rows.map((row) => [row.digest, row]));
  }

  /** The merged referrers list with each entry's origin, and the first entries' own referrers. */
  private async referrerTree(repository: RepositoryRow, subject: string, depth: number): Promise<{ nodes: ReferrerNode[]; upstream: string }> {
    const origins: { local: Descriptor[]; upstream: Descriptor[] | null; outcome?: { kind: string } } =
      this.deps.referrers === undefined
        ? { local: (await this.deps.metadata.listReferrers(repository.id, subject)).map((m) => referrerDescriptor(m)), upstream: null }
        : await this.deps.referrers.origins(repository.name, subject);
    const local = new Set(origins.local.map((d) => d.digest));
    const upstream = new Set((origins.upstream ?? []).map((d) => d.digest));
    const merged = mergeReferrers(origins.local, origins.upstream ?? []);
    const nodes: ReferrerNode[] = [];
    for (const [i, d] of merged.entries()) {
      const origin = local.has(d.digest) ? (upstream.has(d.digest) ? 'both' : 'local') : 'upstream';
      const below = depth > 1 && i < TREE_CHILDREN_EXPANDED ? (await this.referrerTree(repository, d.digest, depth - 1)).nodes : [];
      nodes.push({ ...descriptorView(d), origin, referrers: below });
    }
    return { nodes, upstream: origins.upstream === null ? 'off' : (origins.outcome?.kind ?? 'on') };
  }
}

