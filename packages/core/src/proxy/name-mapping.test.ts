import { describe, it, expect } from '@jest/globals';
import { canonicalPath, canonicalRepositoryName, isDockerHub, pathInProject, upstreamRepository } from './name-mapping.js';

const hub = { url: 'https://registry-1.docker.io' };
const quay = { url: 'https://quay.io' };
const mapping = (over: Partial<{ prefix: string; separator: string; dockerHubLibrary: 'auto' | 'on' | 'off' }> = {}) => ({
  prefix: '',
  separator: '/',
  dockerHubLibrary: 'auto' as const,
  ...over,
});

describe('upstreamRepository', () => {
  it('adds library/ to one-component Docker Hub names only', () => {
    expect(upstreamRepository('nginx', { upstream: hub, nameMapping: mapping() })).toBe('library/nginx');
    expect(upstreamRepository('bitnami/redis', { upstream: hub, nameMapping: mapping() })).toBe('bitnami/redis');
    expect(upstreamRepository('library/nginx', { upstream: hub, nameMapping: mapping() })).toBe('library/nginx');
    expect(upstreamRepository('nginx', { upstream: quay, nameMapping: mapping() })).toBe('nginx');
  });

  it('follows the dockerHubLibrary switch', () => {
    expect(upstreamRepository('nginx', { upstream: quay, nameMapping: mapping({ dockerHubLibrary: 'on' }) })).toBe('library/nginx');
    expect(upstreamRepository('nginx', { upstream: hub, nameMapping: mapping({ dockerHubLibrary: 'off' }) })).toBe('nginx');
  });

  it('rewrites the separator and adds the prefix', () => {
    expect(upstreamRepository('org/team/app', { upstream: quay, nameMapping: mapping({ separator: '----' }) })).toBe('org----team----app');
    expect(upstreamRepository('org/app', { upstream: quay, nameMapping: mapping({ prefix: 'mirror/' }) })).toBe('mirror/org/app');
  });
});

describe('isDockerHub and pathInProject', () => {
  it('recognizes Docker Hub hosts', () => {
    expect(isDockerHub('https://registry-1.docker.io')).toBe(true);
    expect(isDockerHub('https://index.docker.io/')).toBe(true);
    expect(isDockerHub('https://ghcr.io')).toBe(false);
  });

  it('strips the project component', () => {
    expect(pathInProject('hub/library/nginx', 'hub')).toBe('library/nginx');
  });
});

describe('canonicalPath', () => {
  it('names a Docker Hub official image as the upstream does', () => {
    const settings = { upstream: hub, nameMapping: mapping() };
    expect(canonicalPath('web', settings)).toBe('library/web');
    expect(canonicalPath('library/web', settings)).toBe('library/web');
    expect(canonicalPath('bitnami/redis', settings)).toBe('bitnami/redis');
  });

  it('keeps one-component names where no library/ is added', () => {
    expect(canonicalPath('web', { upstream: quay, nameMapping: mapping() })).toBe('web');
    expect(canonicalPath('web', { upstream: hub, nameMapping: mapping({ dockerHubLibrary: 'off' }) })).toBe('web');
  });

  it('folds names that a separator rewrite sends to one upstream repository', () => {
    const settings = { upstream: quay, nameMapping: mapping({ separator: '----' }) };
    expect(canonicalPath('org/team/app', settings)).toBe('org----team----app');
    expect(canonicalPath('org----team----app', settings)).toBe('org----team----app');
  });

  it('strips the prefix, and keeps a path whose upstream name would not map back', () => {
    expect(canonicalPath('org/app', { upstream: quay, nameMapping: mapping({ prefix: 'mirror/' }) })).toBe('org/app');
    // library_web would gain another library_ on the way up: the path stays as it is.
    expect(canonicalPath('web', { upstream: hub, nameMapping: mapping({ separator: '_' }) })).toBe('web');
  });
});

describe('canonicalRepositoryName with several upstreams', () => {
  it("follows the first upstream's own name mapping, else the project's", () => {
    const project = { name: 'images' };
    const ownMapping = { upstream: { ...hub, nameMapping: mapping({ dockerHubLibrary: 'off' }) }, nameMapping: mapping() };
    expect(canonicalRepositoryName(project, ownMapping, 'images/nginx')).toBe('images/nginx');
    expect(canonicalRepositoryName(project, { upstream: hub, nameMapping: mapping() }, 'images/nginx')).toBe('images/library/nginx');
  });
});
