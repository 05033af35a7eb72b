import { isRepositoryName } from '@berth/oci';
import type { ProjectRow } from '@berth/db';
import { nameMappingFor, type ProxySettings } from './proxy-settings.js';

const DOCKER_HUB_HOSTS = new Set(['registry-1.docker.io', 'docker.io', 'index.docker.io', 'registry.hub.docker.com']);

export function isDockerHub(upstreamUrl: string): boolean {
  return DOCKER_HUB_HOSTS.has(new URL(upstreamUrl).hostname);
}

/**
 * The upstream repository for a path below the project (`library/nginx` for `hub/nginx` on Docker
 * Hub): Docker Hub's implicit `library/` for one-component names, then the separator rewrite, then
 * the prefix.
 */
export function upstreamRepository(path: string, settings: Pick<ProxySettings, 'upstream' | 'nameMapping'>): string {
  const { prefix, separator, dockerHubLibrary } = settings.nameMapping;
  const addLibrary = dockerHubLibrary === 'on' || (dockerHubLibrary === 'auto' && isDockerHub(settings.upstream.url));
  const components = path.split('/');
  const withLibrary = addLibrary && components.length === 1 ? ['library', ...components] : components;
  return `${prefix}${withLibrary.join(separator)}`;
}

/** The path below the project: `nginx` for `hub/nginx`. */
export function pathInProject(name: string, project: string): string {
  return name.slice(project.length + 1);
}

/**
 * The one path below the project under which Berth keeps the upstream repository that `path` maps
 * to: the upstream's own name without the prefix (`library/nginx` for `nginx` on Docker Hub, as
 * Harbor stores it), so every name that maps to one upstream repository is one Berth repository.
 * `path` itself when that name would not map back to the same upstream repository.
 */
export function canonicalPath(path: string, settings: Pick<ProxySettings, 'upstream' | 'nameMapping'>): string {
  const upstream = upstreamRepository(path, settings);
  const { prefix } = settings.nameMapping;
  if (!upstream.startsWith(prefix)) return path;
  const candidate = upstream.slice(prefix.length);
  if (candidate === path || !isRepositoryName(candidate)) return path;
  return upstreamRepository(candidate, settings) === upstream ? candidate : path;
}

/**
 * The canonical full name (`hub/library/nginx`) of `name` in proxy project `project`: worked out
 * against the first upstream (with its own name mapping when it has one).
 */
export function canonicalRepositoryName(project: Pick<ProjectRow, 'name'>, settings: Pick<ProxySettings, 'upstream' | 'nameMapping'>, name: string): string {
  if (!name.startsWith(`${project.name}/`)) return name;
  const first = { upstream: settings.upstream, nameMapping: nameMappingFor(settings, settings.upstream) };
  const canonical = `${project.name}/${canonicalPath(pathInProject(name, project.name), first)}`;
  return isRepositoryName(canonical) ? canonical : name;
}
