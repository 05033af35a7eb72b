import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { expectError, firstError, parseBearerChallenge, send, type Credentials } from './registry-http.js';
import { accessOf, getToken as getTokenAt, postToken as postTokenAt } from './token-requests.js';

// The token endpoint of the Docker token spec (GET /token, the OAuth2 POST form, the JWKS) and the
// challenges /v2 answers with, against Berth with authentication on.

const SERVICE = 'berth-token-tests';
const ISSUER = 'berth-token-issuer';
const ADMIN: Credentials = { username: 'admin', password: 'token-tests-admin-1' };

let berth: BerthUnderTest;

beforeAll(async () => {
  berth = await startBerth({
    config: {
      auth: { service: SERVICE, issuer: ISSUER, tokenTtlSeconds: 120, admin: ADMIN },
      projects: [
        { kind: 'hosted', name: 'private' },
        { kind: 'hosted', name: 'public', public: true },
      ],
    },
  });
});

afterAll(async () => {
  await berth?.stop();
});

const getToken = (params: Array<[string, string]>, credentials?: Credentials) => getTokenAt(berth.url, params, credentials);
const postToken = (form: Record<string, string>) => postTokenAt(berth.url, form);

describe('challenges', () => {
  it('GET /v2/ without credentials names the realm and service, and no scope', async () => {
    const result = await send(berth.url, 'GET', '/v2/');
    expectError(result, 401, 'UNAUTHORIZED');
    expect(result.headers.get('www-authenticate')).toBe(`Bearer realm="${berth.url}/token",service="${SERVICE}"`);
    expect(result.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('a repository route names the quoted scope the request needs', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/v2/private/app/manifests/v1', 'repository:private/app:pull'],
      ['GET', '/v2/private/app/tags/list', 'repository:private/app:pull'],
      ['POST', '/v2/private/app/blobs/uploads/', 'repository:private/app:pull,push'],
      ['PUT', '/v2/private/app/manifests/v1', 'repository:private/app:pull,push'],
      ['DELETE', '/v2/private/app/manifests/v1', 'repository:private/app:delete'],
      ['GET', '/v2/_catalog', 'registry:catalog:*'],
    ];
    for (const [method, path, scope] of cases) {
      const result = await send(berth.url, method, path);
      expect([method, path, result.status]).toEqual([method, path, 401]);
      // Exact text: the scope holds a comma, so it must be a quoted-string for clients to parse it.
      expect(result.headers.get('www-authenticate')).toBe(`Bearer realm="${berth.url}/token",service="${SERVICE}",scope="${scope}"`);
      expect(parseBearerChallenge(result.headers.get('www-authenticate'))).toEqual({ realm: `${berth.url}/token`, service: SERVICE, scope });
    }
  });

  it('a HEAD of a manifest carries the challenge too (docker pull starts with one)', async () => {
    const result = await send(berth.url, 'HEAD', '/v2/private/app/manifests/v1');
    expect(result.status).toBe(401);
    expect(parseBearerChallenge(result.headers.get('www-authenticate')).scope).toBe('repository:private/app:pull');
  });
});

describe('GET /token', () => {
  it('gives an anonymous caller pull on a public project and nothing more, with no refresh token', async () => {
    const result = await getToken([['service', SERVICE], ['scope', 'repository:public/app:pull,push,delete'], ['offline_token', 'true']]);
    expect(result.status).toBe(200);
    const body = result.json<Record<string, unknown>>();
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(120);
    expect(typeof body.issued_at === 'string' && !Number.isNaN(Date.parse(body.issued_at))).toBe(true);
    expect(body.refresh_token).toBeUndefined();
    expect(result.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(body.access_token as string);
    expect(claims.access).toEqual([{ type: 'repository', name: 'public/app', actions: ['pull'] }]);
    expect(claims.sub).toBe('');
    expect(claims.berth_kind).toBe('anonymous');
    expect(claims.aud).toBe(SERVICE);
    expect(claims.iss).toBe(ISSUER);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
  });

  it('gives an anonymous caller nothing on a private project or one that does not exist', async () => {
    const result = await getToken([['service', SERVICE], ['scope', 'repository:private/app:pull'], ['scope', 'repository:ghost/app:pull']]);
    expect(accessOf(result)).toEqual([
      { type: 'repository', name: 'private/app', actions: [] },
      { type: 'repository', name: 'ghost/app', actions: [] },
    ]);
  });

  it('gives the administrator pull, push and delete, and the catalog', async () => {
    const result = await getToken([['service', SERVICE], ['scope', 'repository:private/app:pull,push,delete'], ['scope', 'registry:catalog:*']], ADMIN);
    expect(accessOf(result)).toEqual([
      { type: 'repository', name: 'private/app', actions: ['pull', 'push', 'delete'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(decodeJwt(result.json<{ token: string }>().token)).toEqual(expect.objectContaining({ sub: 'admin', berth_kind: 'user' }));
  });

  it('accepts scopes repeated and space-separated, merging the actions of one repository', async () => {
    const repeated = await getToken([['scope', 'repository:public/a:pull'], ['scope', 'repository:public/b:pull'], ['scope', 'repository:public/a:push']], ADMIN);
    const spaced = await getToken([['scope', 'repository:public/a:pull repository:public/b:pull repository:public/a:push']], ADMIN);
    const expected = [
      { type: 'repository', name: 'public/a', actions: ['pull', 'push'] },
      { type: 'repository', name: 'public/b', actions: ['pull'] },
    ];
    expect(accessOf(repeated)).toEqual(expected);
    expect(accessOf(spaced)).toEqual(expected);
  });

  it('answers a login probe without scope (docker login) with an empty grant, or 401 for a bad password', async () => {
    expect(accessOf(await getToken([['service', SERVICE]], ADMIN))).toEqual([]);
    expectError(await getToken([['service', SERVICE]], { ...ADMIN, password: 'wrong-password' }), 401, 'UNAUTHORIZED');
  });

  it('refuses a bad password, an unknown account and malformed Basic credentials with 401', async () => {
    const scope: Array<[string, string]> = [['scope', 'repository:public/app:pull']];
    expectError(await getToken(scope, { ...ADMIN, password: 'not-the-password' }), 401, 'UNAUTHORIZED');
    expectError(await getToken(scope, { username: 'nobody', password: 'whatever-1' }), 401, 'UNAUTHORIZED');
    const malformed = await send(berth.url, 'GET', '/token?scope=repository:public/app:pull', { headers: { Authorization: 'Basic bm9jb2xvbg==' } });
    expectError(malformed, 401, 'UNAUTHORIZED');
  });

  it('issues a refresh token with offline_token=true only', async () => {
    const offline = await getToken([['service', SERVICE], ['offline_token', 'true']], ADMIN);
    const online = await getToken([['service', SERVICE]], ADMIN);
    const refresh = offline.json<{ refresh_token?: string }>().refresh_token;
    expect(typeof refresh).toBe('string');
    expect(decodeJwt(refresh ?? '')).toEqual(expect.objectContaining({ sub: 'admin', berth_use: 'refresh' }));
    expect(online.json<{ refresh_token?: string }>().refresh_token).toBeUndefined();
  });

  it.each([
    ['an unknown scope type', 'foo:bar:pull', /unknown type "foo"/],
    ['a scope without actions part', 'repository:private/app', /not of the form/],
    ['an empty action list', 'repository:private/app:', /no actions/],
    ['an unknown action', 'repository:private/app:fly', /unknown action "fly"/],
    ['an invalid repository name', 'repository:Private/App:pull', /not a valid repository name/],
    ['an empty repository name', 'repository::pull', /no repository/],
    ['a registry resource other than the catalog', 'registry:users:*', /only registry resource is "catalog"/],
    ['a catalog action other than *', 'registry:catalog:pull', /action "\*" only/],
  ])('refuses %s with 400 and a message naming the scope', async (_what, scope, message) => {
    for (const credentials of [undefined, ADMIN]) {
      const result = await getToken([['service', SERVICE], ['scope', 'repository:public/ok:pull'], ['scope', scope]], credentials);
      expect(result.status).toBe(400);
      const error = firstError(result);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(scope);
    }
  });

  it('refuses a service that is not this registry with 400 naming both', async () => {
    const result = await getToken([['service', 'registry.example.com'], ['scope', 'repository:public/app:pull']]);
    expect(result.status).toBe(400);
    expect(firstError(result).message).toContain('registry.example.com');
    expect(firstError(result).message).toContain(SERVICE);
  });
});

describe('POST /token (OAuth2)', () => {
  it('password grant: access token, refresh token and the granted scope', async () => {
    const result = await postToken({ grant_type: 'password', username: ADMIN.username, password: ADMIN.password, service: SERVICE, scope: 'repository:private/app:pull,push,delete', client_id: 'tests' });
    expect(result.status).toBe(200);
    const body = result.json<Record<string, unknown>>();
    expect(body).toEqual(expect.objectContaining({ access_token: expect.any(String), refresh_token: expect.any(String), expires_in: 120 }));
    expect(body.scope).toBe('repository:private/app:pull,push,delete');
    expect(decodeJwt(body.access_token as string).access).toEqual([{ type: 'repository', name: 'private/app', actions: ['pull', 'push', 'delete'] }]);
  });

  it('password grant: several scopes in one space-separated value (as docker sends them)', async () => {
    const result = await postToken({ grant_type: 'password', username: ADMIN.username, password: ADMIN.password, service: SERVICE, scope: 'repository:public/x:pull registry:catalog:*' });
    expect(result.json<{ scope: string }>().scope).toBe('repository:public/x:pull registry:catalog:*');
  });

  it('password grant: a bad password is 401, missing fields and unknown grants are 400', async () => {
    expectError(await postToken({ grant_type: 'password', username: ADMIN.username, password: 'bad-password', service: SERVICE }), 401, 'UNAUTHORIZED');
    expect((await postToken({ grant_type: 'password', username: ADMIN.username, service: SERVICE })).status).toBe(400);
    const unknown = await postToken({ grant_type: 'client_credentials', service: SERVICE });
    expect(unknown.status).toBe(400);
    expect(firstError(unknown).message).toContain('client_credentials');
    expect((await postToken({ grant_type: 'password', username: ADMIN.username, password: ADMIN.password, service: 'elsewhere' })).status).toBe(400);
  });

  it('refresh_token grant: a new access token for the scope asked now', async () => {
    const login = await postToken({ grant_type: 'password', username: ADMIN.username, password: ADMIN.password, service: SERVICE });
    const refreshToken = login.json<{ refresh_token: string }>().refresh_token;
    const result = await postToken({ grant_type: 'refresh_token', refresh_token: refreshToken, service: SERVICE, scope: 'repository:private/other:pull,push' });
    expect(result.status).toBe(200);
    expect(result.json<{ scope: string }>().scope).toBe('repository:private/other:pull,push');
    expect(decodeJwt(result.json<{ access_token: string }>().access_token)).toEqual(expect.objectContaining({ sub: 'admin', berth_use: 'access' }));
  });

  it('refresh_token grant: an access token, a garbled token or none is refused', async () => {
    const login = await postToken({ grant_type: 'password', username: ADMIN.username, password: ADMIN.password, service: SERVICE });
    const accessToken = login.json<{ access_token: string }>().access_token;
    expectError(await postToken({ grant_type: 'refresh_token', refresh_token: accessToken, service: SERVICE }), 401, 'UNAUTHORIZED');
    expectError(await postToken({ grant_type: 'refresh_token', refresh_token: 'not.a.jwt', service: SERVICE }), 401, 'UNAUTHORIZED');
    expect((await postToken({ grant_type: 'refresh_token', service: SERVICE })).status).toBe(400);
  });
});

describe('JWKS', () => {
  it('publishes the public key only, and it verifies issued tokens', async () => {
    const jwksAnswer = await send(berth.url, 'GET', '/.well-known/jwks.json');
    expect(jwksAnswer.status).toBe(200);
    const jwks = jwksAnswer.json<JSONWebKeySet>();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual(expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) }));
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const issued = await getToken([['service', SERVICE], ['scope', 'repository:private/app:pull']], ADMIN);
    const token = issued.json<{ token: string }>().token;
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: SERVICE, algorithms: ['ES256'] });
    expect(protectedHeader.kid).toBe(jwks.keys[0]?.kid);
    expect(payload.access).toEqual([{ type: 'repository', name: 'private/app', actions: ['pull'] }]);

    const [head, body, signature = ''] = token.split('.');
    const tampered = `${head}.${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(jwtVerify(tampered, createLocalJWKSet(jwks), { issuer: ISSUER, audience: SERVICE })).rejects.toThrow();
  });
});
