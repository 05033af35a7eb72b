import type { ProxySettings } from './proxy-settings.js';

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
