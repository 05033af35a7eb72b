import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createUpstreamClient } from './client.js';
import { UpstreamError, UpstreamUnavailableError } from './errors.js';
import { memoryLogger, sendJson, sendOciError, startTestServer } from './testing/http-server.js';
import type { TestServer } from './testing/http-server.js';
import type { UpstreamClient, UpstreamOptions, UpstreamRequestKind } from './types.js';

// The token dance of the Docker token spec against a loopback registry and token service.

const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
const MANIFEST_DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const ACCEPT = ['application/vnd.oci.image.manifest.v1+json'];
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface TokenServiceOptions {
  users?: Record<string, string>;
  expiresIn?: number;
  field?: 'token' | 'access_token';
  status?: number;
}

/** A registry that wants `Bearer issued-<n>` tokens, and its token service at /token. */
async function bearerRegistry(tokens: TokenServiceOptions = {}, realmFor?: (self: TestServer) => string) {
  let issued = 0;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      if (tokens.status !== undefined) return sendJson(response, tokens.status, {});
      if (tokens.users !== undefined) {
        const ok = Object.entries(tokens.users).some(([user, password]) => request.headers.authorization === basic(user, password));
        if (!ok) return sendOciError(response, 401, 'UNAUTHORIZED', 'bad credentials');
      }
      issued += 1;
      const body: Record<string, unknown> = { [tokens.field ?? 'token']: `issued-${issued}` };
      if (tokens.expiresIn !== undefined) body.expires_in = tokens.expiresIn;
      return sendJson(response, 200, body);
    }
    if (!/^Bearer issued-\d+$/.test(request.headers.authorization ?? '')) {
      const realm = realmFor?.(server) ?? `${server.url}/token`;
      return sendOciError(response, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': `Bearer realm="${realm}",service="test-registry",scope="repository:team/app:pull"`,
      });
    }
    response.writeHead(200, { 'content-type': ACCEPT[0] ?? '', 'content-length': MANIFEST.length, 'docker-content-digest': MANIFEST_DIGEST });
    response.end(request.method === 'HEAD' ? undefined : MANIFEST);
  };
  const server = await startTestServer(handler);
  cleanups.push(() => server.stop());
  return server;
}

function client(server: TestServer, extra: Partial<UpstreamOptions> = {}): { client: UpstreamClient; kinds: UpstreamRequestKind[] } {
  const kinds: UpstreamRequestKind[] = [];
  const upstream = createUpstreamClient({ name: 'test', url: server.url, hooks: { onRequest: (e) => kinds.push(e.kind) }, ...extra });
  cleanups.push(() => upstream.close());
  return { client: upstream, kinds };
}

describe('Bearer token auth', () => {
  it('asks anonymously, fetches a token for the challenge, then sends it up front', async () => {
    const server = await bearerRegistry();
    const { client: upstream, kinds } = client(server);
    expect((await upstream.getManifest('team/app', 'v1', ACCEPT))?.bytes.equals(MANIFEST)).toBe(true);
    const tokenRequest = server.requests.find((r) => r.url.startsWith('/token'));
    const query = new URL(tokenRequest?.url ?? '', 'http://x').searchParams;
    expect(query.get('service')).toBe('test-registry');
    expect(query.getAll('scope')).toEqual(['repository:team/app:pull']);
    expect(tokenRequest?.headers.authorization).toBeUndefined();
    expect(kinds).toEqual(['manifest-get', 'token', 'manifest-get']);

    await upstream.headManifest('team/app', 'v1', ACCEPT);
    expect(server.count('GET', /^\/token/)).toBe(1);
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer issued-1');
    expect(kinds.slice(3)).toEqual(['manifest-head']);
  });

  it('accepts access_token and refreshes an expired token', async () => {
    const server = await bearerRegistry({ field: 'access_token', expiresIn: 1 });
    let nowMs = Date.now();
    const { client: upstream } = client(server, { now: () => nowMs });
    await upstream.headManifest('team/app', 'v1', ACCEPT);
    nowMs += 899; // 1 s lifetime, refreshed 0.1 s early
    await upstream.headManifest('team/app', 'v1', ACCEPT);
    expect(server.count('GET', /^\/token/)).toBe(1);
    nowMs += 1;
    await upstream.headManifest('team/app', 'v1', ACCEPT);
    expect(server.count('GET', /^\/token/)).toBe(2);
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer issued-2');
  });

  it('sends the configured username and password to the token service only', async () => {
    const server = await bearerRegistry({ users: { alice: 's3cret' } });
    const { client: upstream } = client(server, { credentials: { username: 'alice', password: 's3cret' } });
    await upstream.headManifest('team/app', 'v1', ACCEPT);
    const tokenRequest = server.requests.find((r) => r.url.startsWith('/token'));
    expect(tokenRequest?.headers.authorization).toBe(basic('alice', 's3cret'));
    expect(new URL(tokenRequest?.url ?? '', 'http://x').searchParams.get('account')).toBe('alice');
    const registryAuth = server.requests.filter((r) => !r.url.startsWith('/token')).map((r) => r.headers.authorization);
    expect(registryAuth).toEqual([undefined, 'Bearer issued-1']);
  });

  it('reports refused credentials as UNAUTHORIZED without revealing them', async () => {
    const server = await bearerRegistry({ users: { alice: 's3cret' } });
    const logger = memoryLogger();
    const { client: upstream } = client(server, { credentials: { username: 'alice', password: 'wrong-pw-123' }, logger });
    const error = await upstream.headManifest('team/app', 'v1', ACCEPT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('UNAUTHORIZED');
    expect((error as UpstreamError).status).toBe(401);
    const everything = `${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)} ${JSON.stringify(logger.lines)}`;
    expect(everything).not.toContain('wrong-pw-123');
    expect(everything).not.toContain(Buffer.from('alice:wrong-pw-123').toString('base64'));
    expect(upstream.breakerState()).toBe('online');
  });

  it('refuses a realm on another host unless it is listed in tokenRealmHosts', async () => {
    const tokenHost = await bearerRegistry();
    const server = await bearerRegistry({}, () => `${tokenHost.url}/token`);
    const { client: pinned } = client(server);
    const error = await pinned.getManifest('team/app', 'v1', ACCEPT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('DENIED');
    expect((error as Error).message).toContain(`${tokenHost.url}/token`);
    expect(tokenHost.requests).toHaveLength(0);

    const { client: allowed } = client(server, { tokenRealmHosts: [tokenHost.host] });
    expect(await allowed.getManifest('team/app', 'v1', ACCEPT)).not.toBeNull();
    expect(tokenHost.count('GET', /^\/token/)).toBe(1);
  });

  it('treats a failing token service as unavailability', async () => {
    const server = await bearerRegistry({ status: 503 });
    const { client: upstream } = client(server);
    await expect(upstream.headManifest('team/app', 'v1', ACCEPT)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe('other credentials', () => {
  it('sends a configured token as Bearer directly and never asks a token service', async () => {
    const server = await startTestServer((request, response) => {
      if (request.headers.authorization !== 'Bearer static-token') {
        return sendOciError(response, 401, 'UNAUTHORIZED', 'no', { 'www-authenticate': `Bearer realm="http://127.0.0.1:1/token"` });
      }
      response.writeHead(200, { 'content-length': 42 }).end();
    });
    cleanups.push(() => server.stop());
    const { client: good } = client(server, { credentials: { token: 'static-token' } });
    expect(await good.headBlob('team/app', `sha256:${'a'.repeat(64)}`)).toEqual({ size: 42 });
    expect(server.requests).toHaveLength(1);
    const { client: bad } = client(server, { credentials: { token: 'other' } });
    await expect(bad.headBlob('team/app', `sha256:${'a'.repeat(64)}`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(server.requests).toHaveLength(2);
  });

  it('answers a Basic challenge with the username and password, then sends them up front', async () => {
    const server = await startTestServer((request, response) => {
      if (request.headers.authorization !== basic('bob', 'pw')) {
        return sendOciError(response, 401, 'UNAUTHORIZED', 'no', { 'www-authenticate': 'Basic realm="registry"' });
      }
      response.writeHead(200, { 'content-length': 7 }).end();
    });
    cleanups.push(() => server.stop());
    const { client: upstream } = client(server, { credentials: { username: 'bob', password: 'pw' } });
    expect(await upstream.headBlob('team/app', `sha256:${'b'.repeat(64)}`)).toEqual({ size: 7 });
    expect(await upstream.headBlob('team/app', `sha256:${'b'.repeat(64)}`)).toEqual({ size: 7 });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([undefined, basic('bob', 'pw'), basic('bob', 'pw')]);

    const { client: anonymous } = client(server);
    await expect(anonymous.headBlob('team/app', `sha256:${'b'.repeat(64)}`)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });
});
