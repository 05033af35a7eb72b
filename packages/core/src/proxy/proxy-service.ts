import { upstreamNameOf } from '@berth/config';
import { OciError, assertRepositoryName, projectOf } from '@berth/oci';
import type { MetadataStore, ProjectRow } from '@berth/db';
import type { ProjectRows } from '../project-rows.js';
import type { ListPage } from '../listing.js';
import type { CacheOutcome } from './cache-status.js';
import type { ContentVersions } from './content-versions.js';
import { canonicalRepositoryName, pathInProject, upstreamRepository } from './name-mapping.js';
import type { ProxyBlobs } from './proxy-blobs.js';
import { namedInMessages, type ProxyContext } from './proxy-context.js';
import type { ProxyManifests } from './proxy-manifests.js';
import type { ProxyReferrers } from './proxy-referrers.js';
import { ProxyTags } from './proxy-tags.js';
import { nameMappingFor, proxySettingsOf, type ProxySettings } from './proxy-settings.js';
import { isReferrerTag } from './push-policy.js';
import { UPSTREAM_MANIFEST_ACCEPT } from './upstream-accept.js';
import type { UpstreamPool } from './upstream-pool.js';
import { unavailableReason } from './upstream-errors.js';

interface ProxyProject {
  project: ProjectRow;
  settings: ProxySettings;
  /** Each upstream's label and name mapping, worked out when the rows are read (not per request). */
  upstreams: ReadonlyArray<{ name: string; mapping: Pick<ProxySettings, 'upstream' | 'nameMapping'> }>;
}

/** Entry point of pull-through: which requests are proxied, and the proxied tag list. */
export class ProxyService {
  /** Derived from the shared project rows; rebuilt when they are read again. */
  private projects: { rows: readonly ProjectRow[]; proxies: Map<string, ProxyProject>; byNs: Map<string, ProxyProject> } | undefined;
  private readonly tagLists: ProxyTags;

  constructor(
    metadata: MetadataStore,
    private readonly upstreams: UpstreamPool,
    readonly manifests: ProxyManifests,
    readonly blobs: ProxyBlobs,
    readonly referrers: ProxyReferrers,
    /** Changed by every manifest or tag write in a proxy project (see ContentVersions). */
    readonly versions: ContentVersions,
    private readonly rows: ProjectRows,
    now: () => number = Date.now,
  ) {
    this.tagLists = new ProxyTags(metadata, now);
    // Another replica or a worker changed content (push, delete, purge, eviction, settings): drop what
    // this process remembers of it now, rather than when those memories expire.
    versions.onChange?.((projectId, repository) => this.forgetRemembered(projectId, repository));
  }

  /**
   * Drop this process's memories of a repository's content (manifests, recent blob links), or of a
   * whole project's (also its upstream tag lists and its settings, re-read on the next request).
   */
  private forgetRemembered(projectId: number, repository: string | undefined): void {
    this.manifests.forgetCached(projectId, repository);
    if (repository !== undefined) {
      this.blobs.forgetLinks(`${repository}@`);
      return;
    }
    const proxy = [...(this.projects?.proxies.values() ?? [])].find((p) => p.project.id === projectId);
    if (proxy !== undefined) this.blobs.forgetLinks(`${proxy.project.name}/`);
    this.tagLists.forget(projectId);
    this.rows.forget();
  }

  /**
   * The proxy context for a repository name, or null when its project is not a proxy project. Its
   * `name` is the canonical one (see canonicalName).
   */
  async contextFor(name: string): Promise<ProxyContext | null> {
    assertRepositoryName(name);
    const proxy = (await this.loadProjects()).proxies.get(projectOf(name));
    if (proxy === undefined || name === proxy.project.name) return null;
    const { project, settings } = proxy;
    const path = pathInProject(name, project.name);
    const clients = this.upstreams.forProject(project, settings);
    const upstreams = upstreamRepositories(proxy, path).map((upstream, index) => ({ ...upstream, client: clients[index]!.client }));
    return {
      project,
      settings,
      name: canonicalNameIn(proxy, name),
      upstreams,
    };
  }

  /**
   * The name Berth keeps a repository under: in a proxy project, every name that maps to one
   * upstream repository is one repository (`hub/nginx` is `hub/library/nginx` on Docker Hub);
   * other names are their own. The router answers every /v2 request under this name.
   */
  async canonicalName(name: string): Promise<string> {
    const proxy = (await this.loadProjects()).proxies.get(projectOf(name));
    if (proxy === undefined || name === proxy.project.name) return name;
    return canonicalNameIn(proxy, name);
  }

  /** `?ns=docker.io`: the local name of `name` in the proxy project serving that registry host. */
  async nameForNamespace(ns: string, name: string): Promise<string> {
    const project = (await this.loadProjects()).byNs.get(ns.toLowerCase())?.project;
    if (project === undefined) {
      throw new OciError('NAME_UNKNOWN', `no proxy project serves the registry ${ns} (ns parameter)`, { detail: { ns } });
    }
    return `${project.name}/${name}`;
  }

  /**
   * A tag pushed into a proxy project must not hide an upstream tag of the same name (referrers
   * tags are merged, not shadowed, so they pass). Refused when an upstream cannot tell.
   */
  async beforeTagPush(name: string, tags: string[]): Promise<void> {
    const ctx = await this.contextFor(name);
    if (ctx === null) return;
    for (const tag of tags.filter((candidate) => !isReferrerTag(candidate))) {
      for (const upstream of ctx.upstreams) {
        let head;
        try {
          head = await upstream.client.headManifest(upstream.repository, tag, UPSTREAM_MANIFEST_ACCEPT);
        } catch (error) {
          throw new OciError('DENIED', `cannot push tag ${tag} to ${name}: the upstream${namedInMessages(ctx, upstream.name)} could not confirm it has no such tag (${unavailableReason(error) ?? 'refused'})`);
        }
        if (head !== null) {
          throw new OciError('DENIED', `tag ${tag} exists upstream${namedInMessages(ctx, upstream.name)}; a pushed tag would shadow it in the pull-through project ${ctx.project.name}`);
        }
      }
    }
  }

  /** Blobs of a pushed manifest the repository lacks: fetched from the upstream when it has them. */
  async adoptUpstreamBlobs(name: string, digests: string[]): Promise<void> {
    const ctx = await this.contextFor(name);
    if (ctx === null) return;
    for (const digest of digests) await this.blobs.ensureCached(ctx, digest);
  }

  /** Child manifests of a pushed index the repository lacks: fetched (and cached) from the upstream when it has them. */
  async adoptUpstreamManifests(name: string, digests: string[]): Promise<void> {
    const ctx = await this.contextFor(name);
    if (ctx === null) return;
    for (const digest of digests) {
      try {
        await this.manifests.get(ctx, digest);
      } catch (error) {
        // Not upstream either: the push is refused with the spec's MANIFEST_BLOB_UNKNOWN.
        if (!(error instanceof OciError && error.code === 'MANIFEST_UNKNOWN')) throw error;
      }
    }
  }

  async afterChange(name: string): Promise<void> {
    const ctx = await this.contextFor(name);
    if (ctx === null) return;
    this.forgetRemembered(ctx.project.id, name);
    await this.bumpVersion(ctx.project.id, name);
  }

  /** A hosted project's content changed outside ManifestService (admin deletes): see ProxyMemory. */
  async contentChanged(projectId: number, repository: string): Promise<void> {
    await this.bumpVersion(projectId, repository);
  }

  /**
   * The write is done whatever happens here: a version change lost to an unreachable Redis only
   * leaves other replicas' remembered referrers answers in use up to their maximum age (a minute).
   */
  private async bumpVersion(projectId: number, repository?: string): Promise<void> {
    await this.versions.bump(projectId, repository).catch(() => undefined);
  }

  /**
   * Forget what this process remembers of a project, or of one of its repositories: proxied
   * manifests and upstream tag lists, and the project settings (re-read on the next request). The
   * admin API calls it after purging cached content and after changing or deleting the project
   * (and awaits it: the cached referrers lists are gone when it resolves).
   */
  async forgetProject(projectId: number, repositoryName?: string): Promise<void> {
    const proxy = [...(await this.loadProjects()).proxies.values()].find((p) => p.project.id === projectId);
    this.forgetRemembered(projectId, repositoryName);
    if (repositoryName !== undefined) this.tagLists.forget(projectId, repositoryName);
    this.rows.forget();
    // Cached upstream referrers lists (shared by the replicas on Redis) are keyed by each upstream's
    // repository name; when that cannot be worked out, the whole project's lists go.
    const upstreams = proxy !== undefined && repositoryName !== undefined
      ? upstreamRepositories(proxy, pathInProject(repositoryName, proxy.project.name))
      : undefined;
    await this.referrers.forget(projectId, upstreams);
    await this.bumpVersion(projectId, repositoryName);
  }

  /** The upstream's tags merged with the cached and pushed ones, in lexical order, paged. */
  async tags(ctx: ProxyContext, page: { limit?: number; after?: string }): Promise<ListPage & { outcome: CacheOutcome }> {
    return this.tagLists.list(ctx, page);
  }

  /** Proxy projects with their settings, from the shared project rows (not read per request). */
  private async loadProjects(): Promise<{ proxies: Map<string, ProxyProject>; byNs: Map<string, ProxyProject> }> {
    const rows = await this.rows.list();
    if (this.projects?.rows === rows) return this.projects;
    const proxies = new Map<string, ProxyProject>();
    const byNs = new Map<string, ProxyProject>();
    for (const project of rows) {
      if (project.kind !== 'proxy') continue;
      const settings = proxySettingsOf(project);
      const upstreams = settings.upstreams.map((upstream) => ({ name: upstreamNameOf(upstream), mapping: { upstream, nameMapping: nameMappingFor(settings, upstream) } }));
      const proxy = { project, settings, upstreams };
      proxies.set(project.name, proxy);
      for (const host of proxy.settings.ns) byNs.set(host, proxy);
    }
    this.projects = { rows, proxies, byNs };
    return this.projects;
  }
}

/** Each upstream's label and its repository name for a path in the project, in the project's order. */
function upstreamRepositories(proxy: ProxyProject, path: string): Array<{ name: string; repository: string }> {
  return proxy.upstreams.map(({ name, mapping }) => ({ name, repository: upstreamRepository(path, mapping) }));
}

function canonicalNameIn(proxy: ProxyProject, name: string): string {
  return canonicalRepositoryName(proxy.project, proxy.settings, name);
}
