import { describe, it, expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { projectSchema } from '@berth/config';
import type { ProjectRow } from '@berth/db';
import { SecretSealer } from '../proxy/sealed-secrets.js';
import type { ProxyUpstreamSettings } from '../proxy/proxy-settings.js';
import { credentialsKind, proxyInputOf, sameSettings, storedProjectSettings } from './project-settings.js';

const sealer = new SecretSealer(randomBytes(32));
const proxy = (upstream: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  projectSchema.parse({ kind: 'proxy', name: 'hub', upstream: { url: 'https://r.example.test', ...upstream }, ...extra });

function row(settings: Record<string, unknown>): ProjectRow {
  return { id: 1, name: 'hub', kind: 'proxy', settings, public: true, managedBy: 'api', createdAt: new Date(), updatedAt: new Date() };
}

describe('storedProjectSettings', () => {
  it('stores a hosted project as {}', async () => {
    expect(await storedProjectSettings(projectSchema.parse({ kind: 'hosted', name: 'lib' }))).toEqual({});
  });

  it('seals credentials, and keeps the previous sealed text when they are the same', async () => {
    const first = await storedProjectSettings(proxy({ username: 'u', password: 'p' }), { sealer });
    const upstream = first.upstream as ProxyUpstreamSettings;
    expect(JSON.stringify(first)).not.toContain('"p"');
    expect(JSON.parse(sealer.open(upstream.sealedCredentials ?? ''))).toEqual({ username: 'u', password: 'p' });
    const again = await storedProjectSettings(proxy({ username: 'u', password: 'p' }), { sealer, previous: [upstream] });
    expect(sameSettings(again, first)).toBe(true);
    const rotated = await storedProjectSettings(proxy({ username: 'u', password: 'p2' }), { sealer, previous: [upstream] });
    expect((rotated.upstream as ProxyUpstreamSettings).sealedCredentials).not.toBe(upstream.sealedCredentials);
  });

  it('refuses credentials without a sealer, and reads the CA file through the given reader', async () => {
    await expect(storedProjectSettings(proxy({ token: 't' }))).rejects.toThrow(/no secrets key/);
    const settings = await storedProjectSettings(proxy({ caFile: '/ca.pem' }), { readCaFile: async (path) => `PEM of ${path}` });
    expect(settings.upstream).toMatchObject({ caPem: 'PEM of /ca.pem' });
  });
});

describe('credentialsKind', () => {
  it('tells none, basic, token, or unreadable without revealing values', async () => {
    const kindOf = async (upstream: Record<string, unknown>) =>
      credentialsKind((await storedProjectSettings(proxy(upstream), { sealer })).upstream as ProxyUpstreamSettings, sealer);
    expect(await kindOf({})).toBe('none');
    expect(await kindOf({ username: 'u', password: 'p' })).toBe('basic');
    expect(await kindOf({ token: 't' })).toBe('token');
    expect(credentialsKind({ url: 'https://x.test', sealedCredentials: new SecretSealer(randomBytes(32)).seal('{}') }, sealer)).toBe('unreadable');
  });
});

describe('proxyInputOf and sameSettings', () => {
  it('turns stored settings back into valid project input without credentials', async () => {
    const stored = await storedProjectSettings(proxy({ token: 't', tokenRealmHosts: ['auth.test'] }, { tagTtlSeconds: 9, referrersProxy: true }), { sealer });
    const input = proxyInputOf(row(stored));
    expect(input).toMatchObject({ kind: 'proxy', name: 'hub', public: true, tagTtlSeconds: 9, referrersProxy: true, upstream: { url: 'https://r.example.test', tokenRealmHosts: ['auth.test'] } });
    expect(JSON.stringify(input)).not.toContain('sealed');
    expect(projectSchema.safeParse(input).success).toBe(true);
  });

  it('compares JSON regardless of key order', () => {
    expect(sameSettings({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameSettings({ a: 1 }, { a: 2 })).toBe(false);
  });
});

describe('storedProjectSettings with upstreams', () => {
  const virtual = (upstreams: Array<Record<string, unknown>>) => projectSchema.parse({ kind: 'proxy', name: 'virt', upstreams });

  it('stores the list form, sealing each upstream, and keeps the sealed text of the upstream with the same name', async () => {
    const first = await storedProjectSettings(virtual([{ url: 'https://a.test' }, { url: 'https://b.test', name: 'b', token: 't-1' }]), { sealer });
    expect(first.upstream).toBeUndefined();
    const [a, b] = first.upstreams as ProxyUpstreamSettings[];
    expect(a).toEqual({ url: 'https://a.test', tokenRealmHosts: [] });
    expect(JSON.parse(sealer.open(b?.sealedCredentials ?? ''))).toEqual({ token: 't-1' });
    expect(JSON.stringify(first)).not.toContain('t-1');
    // Reordered, same credentials: the sealed text is kept (matched by name, not position).
    const reordered = await storedProjectSettings(virtual([{ url: 'https://b.test', name: 'b', token: 't-1' }, { url: 'https://a.test' }]), {
      sealer,
      previous: first.upstreams as ProxyUpstreamSettings[],
    });
    expect((reordered.upstreams as ProxyUpstreamSettings[])[0]?.sealedCredentials).toBe(b?.sealedCredentials);
  });

  it('gives the list back as input without credentials', () => {
    const input = proxyInputOf(row({ upstreams: [{ url: 'https://a.test', name: 'a', sealedCredentials: 'sealed', caPem: 'PEM' }] }));
    expect(input.upstreams).toEqual([{ url: 'https://a.test', name: 'a', insecureSkipVerify: false, tokenRealmHosts: [] }]);
    expect(input.upstream).toBeUndefined();
  });
});
