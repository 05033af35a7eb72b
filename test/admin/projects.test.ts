import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { BerthUnderTest } from '../harness/berth.js';
import { ADMIN, AdminApi, errorOf, startBerthWithAuth, type Account } from './api.js';
import { createUser } from './fixtures.js';

// Projects through the admin API: hosted and proxy, credentials that are write-only, validation with
// field paths, conflicts, PATCH semantics, visibility and deletion.

const UPSTREAM_PASSWORD = 'upstream-pass-Zq81';
const UPSTREAM_USER = 'upstream-user-k2';
const UPSTREAM_TOKEN = 'upstream-token-Hh3p';
const SECRETS = [UPSTREAM_PASSWORD, UPSTREAM_USER, UPSTREAM_TOKEN];

let berth: BerthUnderTest;
let api: AdminApi;
let outsider: Account;
/** Every answer body seen in this suite: none may contain a credential. */
const seen: string[] = [];

async function call(status: number, method: string, path: string, body?: unknown, as: Account = ADMIN): Promise<Record<string, unknown>> {
  const answer = await api.call(method, path, { as, ...(body !== undefined ? { body } : {}) });
  seen.push(JSON.stringify(answer.body ?? null));
  if (answer.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body ?? {}) as Record<string, unknown>;
}

beforeAll(async () => {
  // A secrets key, so upstream credentials given through the API can be sealed.
  berth = await startBerthWithAuth({ config: { secrets: { key: randomBytes(32).toString('base64') } } });
  api = new AdminApi(berth.url);
  outsider = await createUser(api, 'outsider');
});

afterAll(async () => {
  await berth?.stop();
});

const proxyBody = {
  kind: 'proxy',
  name: 'hub',
  upstream: { url: 'https://registry.example.test/', username: UPSTREAM_USER, password: UPSTREAM_PASSWORD },
  tagTtlSeconds: 120,
  ns: ['docker.example.test'],
};

describe('projects', () => {
  it('creates a hosted project with defaults, and lists and gets it', async () => {
    const created = await call(201, 'POST', '/projects', { kind: 'hosted', name: 'library' });
    expect(created).toMatchObject({ name: 'library', kind: 'hosted', public: false });
    expect(await call(200, 'GET', '/projects/library')).toEqual(created);
    const { projects } = (await call(200, 'GET', '/projects')) as { projects: Array<{ name: string }> };
    expect(projects.map((p) => p.name)).toContain('library');
  });

  it('creates a proxy project whose credentials are write-only', async () => {
    const created = await call(201, 'POST', '/projects', proxyBody);
    expect(created).toMatchObject({
      name: 'hub',
      kind: 'proxy',
      public: false,
      upstream: { url: 'https://registry.example.test', credentials: 'basic', insecureSkipVerify: false, customCa: false, tokenRealmHosts: [] },
      tagTtlSeconds: 120,
      maxStaleSeconds: 604800,
      pushPolicy: 'referrers',
      ns: ['docker.example.test'],
      referrersProxy: false,
      nameMapping: { prefix: '', separator: '/', dockerHubLibrary: 'auto' },
    });
    expect(await call(200, 'GET', '/projects/hub')).toEqual(created);
    const token = await call(201, 'POST', '/projects', { kind: 'proxy', name: 'ghcr', upstream: { url: 'https://ghcr.example.test', token: UPSTREAM_TOKEN } });
    expect(token.upstream).toMatchObject({ credentials: 'token' });
  });

  it('refuses invalid input with one problem per field, by dotted path', async () => {
    const answer = await api.call('POST', '/projects', {
      as: ADMIN,
      body: { kind: 'proxy', name: 'Bad Name', upstream: { url: 'ftp://x.test', username: 'u' }, tagTtlSeconds: -1, ns: ['UPPER'], bogus: true },
    });
    expect(answer.status).toBe(400);
    const error = errorOf(answer);
    expect(error.code).toBe('INVALID_INPUT');
    const fields = (error.detail as Array<{ field: string; message: string }>).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'upstream.url', 'upstream.password', 'tagTtlSeconds', 'ns.0', 'bogus']));
    const noKind = await api.call('POST', '/projects', { as: ADMIN, body: { name: 'x' } });
    expect(noKind.status).toBe(400);
    expect((errorOf(noKind).detail as Array<{ field: string }>).map((p) => p.field)).toEqual(['kind']);
  });

  it('answers 409 for a duplicate name or an ns host another project routes', async () => {
    expect(errorOf(await api.call('POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'library' } })).code).toBe('CONFLICT');
    const ns = await api.call('POST', '/projects', { as: ADMIN, body: { kind: 'proxy', name: 'hub2', upstream: { url: 'https://b.test' }, ns: ['docker.example.test'] } });
    expect(ns.status).toBe(409);
    expect(errorOf(ns).code).toBe('CONFLICT');
  });

  it('PATCH merges top-level fields and keeps credentials unless the upstream URL changes', async () => {
    const patched = await call(200, 'PATCH', '/projects/hub', { tagTtlSeconds: 10, referrersProxy: true, public: true });
    expect(patched).toMatchObject({ tagTtlSeconds: 10, referrersProxy: true, public: true, ns: ['docker.example.test'], upstream: { credentials: 'basic' } });
    const sameUrl = await call(200, 'PATCH', '/projects/hub', { upstream: { url: 'https://registry.example.test', tokenRealmHosts: ['auth.example.test'] } });
    expect(sameUrl).toMatchObject({ tagTtlSeconds: 10, upstream: { credentials: 'basic', tokenRealmHosts: ['auth.example.test'] } });
    const slow = await call(200, 'PATCH', '/projects/hub', { upstream: { url: 'https://registry.example.test', timeouts: { headersSeconds: 90 } } });
    expect(slow).toMatchObject({ upstream: { credentials: 'basic', timeouts: { headersSeconds: 90 } } });
    expect((await call(200, 'GET', '/projects/hub')).upstream).toMatchObject({ timeouts: { headersSeconds: 90 } });
    const newToken = await call(200, 'PATCH', '/projects/hub', { upstream: { url: 'https://registry.example.test', token: UPSTREAM_TOKEN } });
    expect(newToken).toMatchObject({ upstream: { credentials: 'token', tokenRealmHosts: [] } });
    const moved = await call(200, 'PATCH', '/projects/hub', { upstream: { url: 'https://elsewhere.example.test' } });
    expect(moved).toMatchObject({ upstream: { url: 'https://elsewhere.example.test', credentials: 'none' } });
  });

  it("PATCH sets the upstream's forward proxy and NO_PROXY list, refusing credentials in the proxy URL", async () => {
    const viaProxy = await call(200, 'PATCH', '/projects/hub', { upstream: { url: 'https://elsewhere.example.test', proxy: 'http://proxy.example.test:3128', noProxy: '.internal' } });
    expect(viaProxy).toMatchObject({ upstream: { proxy: 'http://proxy.example.test:3128', noProxy: '.internal' } });
    expect((await call(200, 'GET', '/projects/hub')).upstream).toMatchObject({ proxy: 'http://proxy.example.test:3128', noProxy: '.internal' });
    const withSecret = await api.call('PATCH', '/projects/hub', { as: ADMIN, body: { upstream: { url: 'https://elsewhere.example.test', proxy: `http://u:${UPSTREAM_PASSWORD}@proxy.example.test:3128` } } });
    seen.push(JSON.stringify(withSecret.body ?? null));
    expect(withSecret.status).toBe(400);
    expect(JSON.stringify(errorOf(withSecret).detail)).toMatch(/upstream\.proxy.*must not contain credentials/);
    const direct = await call(200, 'PATCH', '/projects/hub', { upstream: { url: 'https://elsewhere.example.test' } });
    expect(direct.upstream).not.toHaveProperty('proxy');
  });

  it('PATCH validates what it is given', async () => {
    const bad = await api.call('PATCH', '/projects/hub', { as: ADMIN, body: { tagTtlSeconds: 'soon', kind: 'hosted' } });
    expect(bad.status).toBe(400);
    expect((errorOf(bad).detail as Array<{ field: string }>).map((p) => p.field).sort()).toEqual(['kind', 'tagTtlSeconds']);
    const hosted = await api.call('PATCH', '/projects/library', { as: ADMIN, body: { tagTtlSeconds: 5 } });
    expect(hosted.status).toBe(400);
    expect(errorOf(hosted).detail).toEqual([{ field: 'tagTtlSeconds', message: 'not a setting of a hosted project' }]);
    expect((await call(200, 'PATCH', '/projects/library', { public: true })).public).toBe(true);
  });

  it('shows public projects to every account and hides private ones (404, not 403)', async () => {
    await call(201, 'POST', '/projects', { kind: 'hosted', name: 'secret-stuff' });
    const { projects } = (await call(200, 'GET', '/projects', undefined, outsider)) as { projects: Array<{ name: string }> };
    expect(projects.map((p) => p.name).sort()).toEqual(['hub', 'library']);
    await call(200, 'GET', '/projects/library', undefined, outsider);
    expect(errorOf(await api.call('GET', '/projects/secret-stuff', { as: outsider })).code).toBe('NOT_FOUND');
    expect(errorOf(await api.call('GET', '/projects/no-such-project', { as: outsider })).code).toBe('NOT_FOUND');
    // Visible but not theirs: 403.
    expect(errorOf(await api.call('PATCH', '/projects/library', { as: outsider, body: { public: false } })).code).toBe('DENIED');
  });

  it('deletes a project: a later GET is 404, and so is a second DELETE', async () => {
    await call(204, 'DELETE', '/projects/secret-stuff');
    expect(errorOf(await api.call('GET', '/projects/secret-stuff', { as: ADMIN })).code).toBe('NOT_FOUND');
    expect((await api.call('DELETE', '/projects/secret-stuff', { as: ADMIN })).status).toBe(404);
    // The name is free again.
    await call(201, 'POST', '/projects', { kind: 'hosted', name: 'secret-stuff' });
  });

  it('never shows a credential, in any answer or audit event', async () => {
    const audit = await call(200, 'GET', '/audit?limit=1000');
    const text = [...seen, JSON.stringify(audit)].join('\n');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toContain('sealedCredentials');
    const events = (audit as { events: Array<{ action: string; target: string }> }).events;
    // One update per successful PATCH of hub above, newest first.
    expect(events.filter((e) => e.target === 'project:hub').map((e) => e.action)).toEqual([
      'project.update',
      'project.update',
      'project.update',
      'project.update',
      'project.update',
      'project.update',
      'project.update',
      'project.create',
    ]);
  });
});
