import { describe, it, expect } from '@jest/globals';
import type { ProjectRow } from '@berth/db';
import { projectView } from './admin/admin-views.js';
import { settingChanges } from './configured-project-changes.js';

function proxyRow(settings: Record<string, unknown>, upstream: Record<string, unknown>, updatedAt: Date): ProjectRow {
  const base = { tagTtlSeconds: 300, maxStaleSeconds: 60, negativeTtlSeconds: 60, serveStaleOnNotFound: false, pushPolicy: 'referrers', ns: [], referrersProxy: false };
  const nameMapping = { prefix: '', separator: '/', dockerHubLibrary: 'auto' };
  const prefetch = { enabled: false, platforms: [], referrers: true };
  return {
    id: 1,
    name: 'hub',
    kind: 'proxy',
    settings: { ...base, nameMapping, prefetch, ...settings, upstream: { url: 'https://r.example.test', tokenRealmHosts: [], ...upstream } },
    public: false,
    managedBy: 'configuration',
    createdAt: new Date(0),
    updatedAt,
  };
}

const changes = (before: ProjectRow, after: ProjectRow) => settingChanges({ row: before, view: projectView(before, undefined) }, { row: after, view: projectView(after, undefined) });

describe('settingChanges', () => {
  it('names each changed setting by its dotted path, lists whole, never timestamps', () => {
    const before = proxyRow({}, {}, new Date(1));
    const after = proxyRow({ referrersProxy: true, ns: ['docker.io'], nameMapping: { prefix: 'library/', separator: '/', dockerHubLibrary: 'auto' } }, {}, new Date(2));
    expect(changes(before, after)).toEqual([
      { setting: 'ns', before: [], after: ['docker.io'] },
      { setting: 'referrersProxy', before: false, after: true },
      { setting: 'nameMapping.prefix', before: '', after: 'library/' },
    ]);
    expect(changes(before, proxyRow({}, {}, new Date(3)))).toEqual([]);
  });

  it('reports credentials and CA certificates only as set, none or changed', () => {
    const before = proxyRow({}, { sealedCredentials: 'sealed-one', caPem: '-----BEGIN CERTIFICATE-----a' }, new Date(1));
    const after = proxyRow({}, { sealedCredentials: 'sealed-two', caPem: '-----BEGIN CERTIFICATE-----b' }, new Date(2));
    const found = changes(before, after);
    expect(found).toEqual([
      { setting: 'upstream.credentials', before: 'set', after: 'changed' },
      { setting: 'upstream.caFile', before: 'set', after: 'changed' },
    ]);
    expect(JSON.stringify(found)).not.toMatch(/sealed-|BEGIN/);
    expect(changes(after, proxyRow({}, {}, new Date(3)))).toEqual([
      { setting: 'upstream.credentials', before: 'set', after: 'none' },
      { setting: 'upstream.caFile', before: 'set', after: 'none' },
    ]);
  });
});
