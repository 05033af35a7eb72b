import { describe, it, expect } from '@jest/globals';
import { isDockerHub, pathInProject, upstreamRepository } from './name-mapping.js';

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
