import { describe, it, expect } from '@jest/globals';
import type { ProjectRow } from '@berth/db';
import { upstreamNameOf } from '@berth/config';
import { nameMappingFor, proxySettingsOf, storesUpstreamList } from './proxy-settings.js';

const row = (settings: Record<string, unknown>): ProjectRow => ({ id: 1, name: 'hub', kind: 'proxy', settings } as unknown as ProjectRow);

describe('proxySettingsOf', () => {
  it('reads a row stored before virtual-registry projects (upstream only) as a one-element list', () => {
    const old = row({ upstream: { url: 'https://registry-1.docker.io', sealedCredentials: 'x' }, tagTtlSeconds: 60 });
    const settings = proxySettingsOf(old);
    expect(settings.upstreams).toEqual([{ url: 'https://registry-1.docker.io', sealedCredentials: 'x' }]);
    expect(settings.upstream).toBe(settings.upstreams[0]);
    expect(settings.tagTtlSeconds).toBe(60);
    expect(storesUpstreamList(old)).toBe(false);
  });

  it('reads the upstreams list, the first being `upstream`', () => {
    const list = row({ upstreams: [{ url: 'http://127.0.0.1:5001' }, { url: 'https://ghcr.io', name: 'gh', nameMapping: { prefix: 'mirror/' } }] });
    const settings = proxySettingsOf(list);
    expect(settings.upstreams.map(upstreamNameOf)).toEqual(['127.0.0.1:5001', 'gh']);
    expect(settings.upstream.url).toBe('http://127.0.0.1:5001');
    expect(nameMappingFor(settings, settings.upstreams[0]!)).toEqual(settings.nameMapping);
    expect(nameMappingFor(settings, settings.upstreams[1]!)).toEqual({ prefix: 'mirror/', separator: '/', dockerHubLibrary: 'auto' });
    expect(storesUpstreamList(list)).toBe(true);
  });

  it('refuses a row with no upstream, an empty list, or an entry without a URL', () => {
    for (const settings of [{}, { upstreams: [] }, { upstreams: [{ url: 'https://a.example' }, {}] }]) {
      expect(() => proxySettingsOf(row(settings))).toThrow('not a proxy project with an upstream');
    }
  });
});
