import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { MEDIA, randomBlob } from '../api/content.js';
import { createSigningKeyFile, mintToken, otherSigningKey, tamperPayload, tamperSignature, unsignedToken, type MintOptions, type TestSigningKey } from './minted-tokens.js';
import { basicHeader, describeResult, expectError, parseBearerChallenge, send, type Credentials, type HttpResult } from './registry-http.js';
import { danceGetManifest, dancePushBlob, dancePushImage, tokenFetch, type DancePushedImage } from './token-dance.js';
import { createUser, setMember } from './accounts.js';

// /v2 authorization: tokens Berth must refuse (minted by the test with Berth's own key from
// auth.signingKeyFile, or made wrong on purpose), the token dance for push and pull, no existence
// leak for private repositories, and cross-repository mounts the caller may not read from.

const SERVICE = 'berth-access-tests';
const ISSUER = 'berth-access-issuer';
const ADMIN: Credentials = { username: 'admin', password: 'access-tests-admin-1' };

let berth: BerthUnderTest;
let keyDir: string;
let key: TestSigningKey;
let privateImage: DancePushedImage;

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'berth-auth-key-'));
  key = await createSigningKeyFile(keyDir);
  berth = await startBerth({
    config: {
      auth: { service: SERVICE, issuer: ISSUER, signingKeyFile: key.file, admin: ADMIN },
      projects: [
        { kind: 'hosted', name: 'private' },
        { kind: 'hosted', name: 'other' },
        { kind: 'hosted', name: 'public', public: true },
      ],
    },
  });
  privateImage = await dancePushImage(berth.url, 'private/app', 'v1', ADMIN);
});

afterAll(async () => {
  await berth?.stop();
  if (keyDir !== undefined) await rm(keyDir, { recursive: true, force: true });
});

/** A token Berth should accept, changed by `overrides`. */
function mint(overrides: Partial<MintOptions> = {}): Promise<string> {
  return mintToken({ key, issuer: ISSUER, audience: SERVICE, access: [{ type: 'repository', name: 'private/app', actions: ['pull'] }], ...overrides });
}

function withBearer(token: string, method: string, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send(berth.url, method, path, { headers: { ...headers, Authorization: `Bearer ${token}` } });
}

const pullManifest = (token: string) => withBearer(token, 'GET', '/v2/private/app/manifests/v1', { Accept: MEDIA.ociManifest });

/** 401 UNAUTHORIZED whose challenge carries `error` (and names the scope when given). */
function expectChallenge(result: HttpResult, error: 'invalid_token' | 'insufficient_scope', scope?: string): Record<string, string> {
  expectError(result, 401, 'UNAUTHORIZED');
  const challenge = parseBearerChallenge(result.headers.get('www-authenticate'));
  expect(challenge).toEqual(expect.objectContaining({ realm: `${berth.url}/token`, service: SERVICE, error }));
  if (scope !== undefined) expect(challenge.scope).toBe(scope);
  return challenge;
}

describe('tokens Berth refuses', () => {
  it('accepts a correct token minted with the configured key', async () => {
    const result = await pullManifest(await mint());
    expect(result.status).toBe(200);
    expect(result.body.equals(privateImage.manifest.bytes)).toBe(true);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['expired', () => mint({ issuedAt: -900, notBefore: -900, expiresIn: -600 }), /exp/i],
    ['not yet valid', () => mint({ notBefore: 600, expiresIn: 900 }), /nbf|not.*(yet|before)/i],
    ['with a changed signature', async () => tamperSignature(await mint()), /signature/i],
    ['with claims changed after signing', async () => tamperPayload(await mint(), (c) => { c.access = [{ type: 'repository', name: 'private/app', actions: ['pull', 'push'] }]; }), /signature/i],
    ['signed by another key under the right kid', async () => mintToken({ key: { ...(await otherSigningKey()), kid: key.kid }, issuer: ISSUER, audience: SERVICE, access: [{ type: 'repository', name: 'private/app', actions: ['pull'] }] }), /signature/i],
    ['signed by another key under its own kid', async () => mint({ key: await otherSigningKey() }), /key|kid/i],
    ['for another audience', () => mint({ audience: 'other-registry' }), /aud/i],
    ['from another issuer', () => mint({ issuer: 'someone-else' }), /iss/i],
    ['that is a refresh token', () => mint({ use: 'refresh' }), /refresh|access/i],
    ['unsigned (alg none)', async () => unsignedToken({ iss: ISSUER, aud: SERVICE, sub: 'x', access: [{ type: 'repository', name: 'private/app', actions: ['pull'] }] }), /alg|none/i],
    ['that is not a JWT', async () => 'not-a-token', /./],
  ])('refuses a token %s with 401 and error="invalid_token"', async (_what, token, description) => {
    const challenge = expectChallenge(await pullManifest(await token()), 'invalid_token', 'repository:private/app:pull');
    expect(challenge.error_description).toMatch(description);
  });

  it('refuses a refresh token from POST /token as an access token', async () => {
    const login = await send(berth.url, 'POST', '/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: ADMIN.username, password: ADMIN.password, service: SERVICE, scope: 'repository:private/app:pull' }).toString(),
    });
    const { refresh_token: refresh, access_token: access } = login.json<{ refresh_token: string; access_token: string }>();
    expect((await pullManifest(access)).status).toBe(200);
    expectChallenge(await pullManifest(refresh), 'invalid_token');
  });

  it('refuses a push with a pull-only token: error="insufficient_scope" naming pull,push', async () => {
    const result = await withBearer(await mint(), 'POST', '/v2/private/app/blobs/uploads/', { 'Content-Length': '0' });
    expectChallenge(result, 'insufficient_scope', 'repository:private/app:pull,push');
  });

  it('refuses a delete with a pull,push token, and another repository with this one', async () => {
    const token = await mint({ access: [{ type: 'repository', name: 'private/app', actions: ['pull', 'push'] }] });
    expectChallenge(await withBearer(token, 'DELETE', `/v2/private/app/manifests/${privateImage.manifest.digest}`), 'insufficient_scope', 'repository:private/app:delete');
    expectChallenge(await withBearer(token, 'GET', '/v2/private/app2/tags/list'), 'insufficient_scope', 'repository:private/app2:pull');
    expectChallenge(await withBearer(token, 'GET', '/v2/private/tags/list'), 'insufficient_scope', 'repository:private:pull');
  });

  it('refuses the catalog without the registry scope, and lists it with one', async () => {
    expectChallenge(await withBearer(await mint(), 'GET', '/v2/_catalog'), 'insufficient_scope', 'registry:catalog:*');
    const granted = await withBearer(await mint({ access: [{ type: 'registry', name: 'catalog', actions: ['*'] }] }), 'GET', '/v2/_catalog');
    expect(granted.status).toBe(200);
    expect(granted.json<{ repositories: string[] }>().repositories).toContain('private/app');
  });

  it('lets any valid token through /v2/ (the login probe)', async () => {
    expect((await withBearer(await mint({ access: [] }), 'GET', '/v2/')).status).toBe(200);
    expectChallenge(await withBearer(await mint({ expiresIn: -60, issuedAt: -120, notBefore: -120 }), 'GET', '/v2/'), 'invalid_token');
  });
});

describe('the token dance', () => {
  it('pushes and pulls with the administrator credentials', async () => {
    const pushed = await dancePushImage(berth.url, 'private/dance', 'v1', ADMIN);
    const pulled = await danceGetManifest(berth.url, 'private/dance', 'v1', ADMIN);
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(pushed.manifest.bytes)).toBe(true);
    expect(pulled.challenge?.scope).toBe('repository:private/dance:pull');
    const blob = await tokenFetch(berth.url, 'GET', `/v2/private/dance/blobs/${pushed.layer.digest}`, {}, ADMIN);
    expect(blob.body.equals(pushed.layer.bytes)).toBe(true);
  });

  it('pulls anonymously from a public project, and cannot push there', async () => {
    const pushed = await dancePushImage(berth.url, 'public/app', 'v1', ADMIN);
    const pulled = await danceGetManifest(berth.url, 'public/app', 'v1');
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(pushed.manifest.bytes)).toBe(true);
    const push = await tokenFetch(berth.url, 'POST', '/v2/public/app/blobs/uploads/', { headers: { 'Content-Length': '0' } });
    expectChallenge(push, 'insufficient_scope', 'repository:public/app:pull,push');
  });

  it('accepts Basic credentials on /v2 directly', async () => {
    const result = await send(berth.url, 'GET', '/v2/private/app/manifests/v1', { headers: { Authorization: basicHeader(ADMIN), Accept: MEDIA.ociManifest } });
    expect(result.status).toBe(200);
    expectError(await send(berth.url, 'GET', '/v2/private/app/manifests/v1', { headers: { Authorization: basicHeader({ ...ADMIN, password: 'nope-nope' }) } }), 401, 'UNAUTHORIZED');
  });
});

describe('private repositories do not leak their existence', () => {
  it('anonymous callers get the same 401 for an existing repository, a missing one and a missing project', async () => {
    const suffixes = ['manifests/v1', 'tags/list', `blobs/${privateImage.layer.digest}`, `referrers/${privateImage.manifest.digest}`];
    for (const suffix of suffixes) {
      // Per mode (no token / anonymous token from the dance): one answer, whatever the repository.
      const answers = new Map<string, Set<string>>([['plain', new Set()], ['danced', new Set()]]);
      for (const repository of ['private/app', 'private/missing', 'ghost/app']) {
        const path = `/v2/${repository}/${suffix}`;
        const plain = await send(berth.url, 'GET', path);
        expectError(plain, 401, 'UNAUTHORIZED');
        expect(parseBearerChallenge(plain.headers.get('www-authenticate')).scope).toBe(`repository:${repository}:pull`);
        const danced = await tokenFetch(berth.url, 'GET', path);
        expectChallenge(danced, 'insufficient_scope', `repository:${repository}:pull`);
        answers.get('plain')?.add(plain.text().replaceAll(repository, '<name>'));
        answers.get('danced')?.add(danced.text().replaceAll(repository, '<name>'));
      }
      expect([suffix, answers.get('plain')?.size, answers.get('danced')?.size]).toEqual([suffix, 1, 1]);
    }
  });
});

describe('cross-repository mount', () => {
  it('starts a plain upload (202) when the token does not grant pull on the source', async () => {
    const token = await mint({ access: [{ type: 'repository', name: 'other/target', actions: ['pull', 'push'] }] });
    const path = `/v2/other/target/blobs/uploads/?mount=${privateImage.layer.digest}&from=private/app`;
    const result = await withBearer(token, 'POST', path, { 'Content-Length': '0' });
    expect(result.status).toBe(202);
    expect(result.headers.get('location')).toMatch(/\/v2\/other\/target\/blobs\/uploads\/./);
    // The blob did not become visible in the target.
    const head = await withBearer(token, 'HEAD', `/v2/other/target/blobs/${privateImage.layer.digest}`);
    expect(head.status).toBe(404);
  });

  it('mounts (201) when the token grants pull on the source', async () => {
    const token = await mint({
      access: [
        { type: 'repository', name: 'other/mounted', actions: ['pull', 'push'] },
        { type: 'repository', name: 'private/app', actions: ['pull'] },
      ],
    });
    const path = `/v2/other/mounted/blobs/uploads/?mount=${privateImage.layer.digest}&from=private/app`;
    const result = await withBearer(token, 'POST', path, { 'Content-Length': '0' });
    if (result.status !== 201) throw new Error(`mount: ${describeResult(result)}`);
    const head = await withBearer(token, 'HEAD', `/v2/other/mounted/blobs/${privateImage.layer.digest}`);
    expect(head.status).toBe(200);
  });

  it('the challenge of a mount names pull on the source too, so a client that follows it mounts', async () => {
    const blob = randomBlob(300);
    await dancePushBlob(berth.url, 'private/source', blob, ADMIN);
    const path = (target: string) => `/v2/other/${target}/blobs/uploads/?mount=${blob.digest}&from=private/source`;
    const danced = await tokenFetch(berth.url, 'POST', path('copy'), { headers: { 'Content-Length': '0' } }, ADMIN);
    expect(danced.challenge?.scope).toBe('repository:other/copy:pull,push repository:private/source:pull');
    if (danced.status !== 201) throw new Error(`mount: ${describeResult(danced)}`);
    // docker asks for both scopes as two parameters; the same token results.
    const url = new URL('/token', berth.url);
    url.searchParams.append('service', SERVICE);
    url.searchParams.append('scope', 'repository:other/copy2:pull,push');
    url.searchParams.append('scope', 'repository:private/source:pull');
    const issued = await send(berth.url, 'GET', url.toString(), { headers: { Authorization: basicHeader(ADMIN) } });
    const mounted = await withBearer(issued.json<{ token: string }>().token, 'POST', path('copy2'), { 'Content-Length': '0' });
    if (mounted.status !== 201) throw new Error(`mount: ${describeResult(mounted)}`);
  });

  it('a token for the target alone, held by someone who may read the source, is challenged for both; the answer mounts', async () => {
    // A client reusing the token it pushed to the target with (the conformance suite caches them).
    const token = await mint({ subject: ADMIN.username, access: [{ type: 'repository', name: 'other/reused', actions: ['pull', 'push'] }] });
    const path = `/v2/other/reused/blobs/uploads/?mount=${privateImage.layer.digest}&from=private/app`;
    const challenged = await withBearer(token, 'POST', path, { 'Content-Length': '0' });
    expectChallenge(challenged, 'insufficient_scope', 'repository:other/reused:pull,push repository:private/app:pull');
    const followed = await tokenFetch(berth.url, 'POST', path, { headers: { 'Content-Length': '0' } }, ADMIN);
    if (followed.status !== 201) throw new Error(`mount: ${describeResult(followed)}`);
  });

  it('a token for the target alone, held by someone who may not read the source, starts a plain upload: no challenge says the source exists', async () => {
    const outsider = await createUser(berth.url, ADMIN, 'mount-outsider');
    await setMember(berth.url, ADMIN, 'other', outsider.username, 'developer');
    const token = await mint({ subject: outsider.username, access: [{ type: 'repository', name: 'other/outsider', actions: ['pull', 'push'] }] });
    for (const from of ['private/app', 'private/missing']) {
      const result = await withBearer(token, 'POST', `/v2/other/outsider/blobs/uploads/?mount=${privateImage.layer.digest}&from=${from}`, { 'Content-Length': '0' });
      expect([from, result.status]).toEqual([from, 202]);
    }
    const head = await withBearer(token, 'HEAD', `/v2/other/outsider/blobs/${privateImage.layer.digest}`);
    expect(head.status).toBe(404);
  });

  it('a source that is no repository name adds nothing to the challenge (no smuggled scopes)', async () => {
    const from = encodeURIComponent('private/app registry:catalog:*');
    const result = await send(berth.url, 'POST', `/v2/other/smuggle/blobs/uploads/?mount=${privateImage.layer.digest}&from=${from}`, { headers: { 'Content-Length': '0' } });
    expectError(result, 401, 'UNAUTHORIZED');
    expect(parseBearerChallenge(result.headers.get('www-authenticate')).scope).toBe('repository:other/smuggle:pull,push');
  });
});
