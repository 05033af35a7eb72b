import { describe, it, expect, jest } from '@jest/globals';
import type { ProjectRow } from '@berth/db';
import type { UpstreamClient, UpstreamOptions } from '@berth/upstream';
import { proxySettingsOf } from './proxy-settings.js';
import { UpstreamPool } from './upstream-pool.js';

const project = (updatedAt: number, settings: Record<string, unknown>): ProjectRow =>
  ({ id: 3, name: 'virt', kind: 'proxy', settings, updatedAt: new Date(updatedAt) }) as unknown as ProjectRow;

function pool() {
  const made: Array<{ options: UpstreamOptions; client: UpstreamClient & { close: jest.Mock } }> = [];
  const hooks = jest.fn((_project: string, _upstream: string) => ({}));
  const upstreams = new UpstreamPool(
    (options) => {
      const client = { name: options.name, close: jest.fn(async () => undefined) } as unknown as UpstreamClient & { close: jest.Mock };
      made.push({ options, client });
      return client;
    },
    undefined,
    { hooks },
  );
  return { upstreams, made, hooks };
}

describe('UpstreamPool', () => {
  it('makes one client per upstream (own breaker and tokens), named project/upstream, with per-upstream metric hooks', () => {
    const { upstreams, made, hooks } = pool();
    const row = project(1, { upstreams: [{ url: 'http://127.0.0.1:5001' }, { url: 'https://ghcr.io', name: 'gh', timeouts: { headersSeconds: 2 } }] });
    const clients = upstreams.forProject(row, proxySettingsOf(row));
    expect(clients.map((c) => c.name)).toEqual(['127.0.0.1:5001', 'gh']);
    expect(made.map((m) => [m.options.name, m.options.url])).toEqual([['virt/127.0.0.1:5001', 'http://127.0.0.1:5001'], ['virt/gh', 'https://ghcr.io']]);
    expect(made[1]?.options.timeouts).toEqual({ headersMs: 2000 });
    expect(hooks.mock.calls).toEqual([['virt', '127.0.0.1:5001'], ['virt', 'gh']]);
    expect(upstreams.forProject(row, proxySettingsOf(row))).toBe(clients);
  });

  it('names the client after the project when it has one upstream, and rebuilds (closing the old) when settings change', () => {
    const { upstreams, made } = pool();
    const before = project(1, { upstream: { url: 'https://registry-1.docker.io' } });
    upstreams.forProject(before, proxySettingsOf(before));
    expect(made[0]?.options.name).toBe('virt');
    const after = project(2, { upstreams: [{ url: 'https://a.test' }, { url: 'https://b.test' }] });
    expect(upstreams.forProject(after, proxySettingsOf(after)).map((c) => c.name)).toEqual(['a.test', 'b.test']);
    expect(made[0]?.client.close).toHaveBeenCalledTimes(1);
  });
});
