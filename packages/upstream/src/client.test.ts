import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { UpstreamError, UpstreamUnavailableError } from './errors.js';
import { memoryLogger, sendJson, sendOciError } from './testing/http-server.js';
import { perTest } from './testing/per-test.js';

// Manifests, tags, error decoding and the breaker, against loopback servers.

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ACCEPT = [OCI_MANIFEST, 'application/vnd.oci.image.index.v1+json'];
const MANIFEST = Buffer.from(`{\n   "schemaVersion": 2,\n   "mediaType": "${OCI_MANIFEST}"\n}\n`);
const digest = (bytes: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256') => `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
const SHA256 = digest(MANIFEST);
const SHA512 = digest(MANIFEST, 'sha512');

const { server, client } = perTest();

function sendManifest(response: ServerResponse, method: string | undefined, headers: Record<string, string> = {}, body = MANIFEST): void {
  response.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': body.length, 'docker-content-digest': digest(body), ...headers });
  response.end(method === 'HEAD' ? undefined : body);
}

describe('manifests', () => {
  it('GETs the exact bytes with the Accept list, by tag and by sha256 or sha512 digest', async () => {
    const registry = await server((request, response) => sendManifest(response, request.method));
    const upstream = client(registry);
    for (const reference of ['latest', SHA256, SHA512]) {
      const fetched = await upstream.getManifest('library/alpine', reference, ACCEPT);
      expect(fetched?.bytes.equals(MANIFEST)).toBe(true);
      expect(fetched?.digest).toBe(reference === SHA512 ? SHA512 : SHA256);
      expect(fetched).toMatchObject({ mediaType: OCI_MANIFEST, size: MANIFEST.length });
    }
    expect(registry.requests[0]?.headers.accept).toBe(ACCEPT.join(', '));
    expect(registry.requests.map((r) => r.url)).toEqual(['/v2/library/alpine/manifests/latest', `/v2/library/alpine/manifests/${SHA256}`, `/v2/library/alpine/manifests/${SHA512}`]);
  });

  it('HEADs by tag from the headers alone', async () => {
    const registry = await server((request, response) => sendManifest(response, request.method));
    expect(await client(registry).headManifest('library/alpine', 'latest', ACCEPT)).toEqual({ digest: SHA256, mediaType: OCI_MANIFEST, size: MANIFEST.length });
    expect(registry.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('falls back to a GET when a HEAD by tag has no Docker-Content-Digest', async () => {
    const registry = await server((request, response) => sendManifest(response, request.method, { 'docker-content-digest': '' }));
    expect(await client(registry).headManifest('library/alpine', 'latest', ACCEPT)).toEqual({ digest: SHA256, mediaType: OCI_MANIFEST, size: MANIFEST.length });
    expect(registry.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('refuses bytes that do not match the digest reference or the announced digest', async () => {
    const other = Buffer.from('{"schemaVersion":2}');
    const registry = await server((request, response) => {
      if (request.url?.endsWith('/lying-header')) return sendManifest(response, request.method, { 'docker-content-digest': digest(other) });
      sendManifest(response, request.method, {}, other);
    });
    const upstream = client(registry);
    await expect(upstream.getManifest('team/app', SHA256, ACCEPT)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    await expect(upstream.getManifest('team/app', 'lying-header', ACCEPT)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    await expect(upstream.headManifest('team/app', SHA256, ACCEPT)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    expect(upstream.breakerState()).toBe('online');
  });

  it('refuses manifests over the size cap, announced or not', async () => {
    const big = Buffer.alloc(2048, 0x20);
    const registry = await server((request, response) => {
      if (request.url?.endsWith('/chunked')) {
        response.writeHead(200, { 'content-type': OCI_MANIFEST });
        return void response.end(big);
      }
      sendManifest(response, request.method, {}, big);
    });
    const upstream = client(registry, { maxManifestBytes: 1024 });
    await expect(upstream.getManifest('team/app', 'v1', ACCEPT)).rejects.toMatchObject({ code: 'MANIFEST_TOO_BIG' });
    await expect(upstream.getManifest('team/app', 'chunked', ACCEPT)).rejects.toMatchObject({ code: 'MANIFEST_TOO_BIG' });
  });

  it('takes the media type from the document when Content-Type is generic', async () => {
    const registry = await server((request, response) => sendManifest(response, request.method, { 'content-type': 'application/json' }));
    expect((await client(registry).getManifest('team/app', 'v1', ACCEPT))?.mediaType).toBe(OCI_MANIFEST);
  });

  it('is null for 404 and throws the decoded OCI error for other refusals', async () => {
    const registry = await server((request, response) => {
      if (request.url?.includes('/missing/')) return sendOciError(response, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      if (request.url?.includes('/denied/')) return sendOciError(response, 403, 'DENIED', 'requested access to the resource is denied');
      if (request.url?.includes('/plain/')) return void response.writeHead(403).end('forbidden');
      sendOciError(response, 400, 'NAME_INVALID', 'invalid repository name');
    });
    const upstream = client(registry);
    expect(await upstream.getManifest('team/missing/app', 'v1', ACCEPT)).toBeNull();
    expect(await upstream.headManifest('team/missing/app', 'v1', ACCEPT)).toBeNull();
    const denied = await upstream.getManifest('team/denied/app', 'v1', ACCEPT).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(UpstreamError);
    expect((denied as UpstreamError).ociError.toBody()).toEqual({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied', detail: { from: 'test' } }] });
    expect(await upstream.getManifest('team/plain/app', 'v1', ACCEPT).catch((e: unknown) => e)).toMatchObject({ code: 'DENIED', status: 403 });
    expect(await upstream.getManifest('team/other', 'v1', ACCEPT).catch((e: unknown) => e)).toMatchObject({ code: 'NAME_INVALID', status: 400 });
    expect(await upstream.headManifest('team/other', 'v1', ACCEPT).catch((e: unknown) => e)).toMatchObject({ code: 'UNSUPPORTED', status: 400 });
  });

  it('validates names and references before any request', async () => {
    const registry = await server((_request, response) => void response.writeHead(500).end());
    const upstream = client(registry);
    await expect(upstream.getManifest('../etc', 'v1', ACCEPT)).rejects.toMatchObject({ code: 'NAME_INVALID' });
    await expect(upstream.getManifest('team/app', 'sha256:zz', ACCEPT)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    await expect(upstream.openBlob('team/app', 'latest')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    expect(registry.requests).toHaveLength(0);
  });
});

describe('listTags', () => {
  it('follows relative and absolute Link pages with the page size as n', async () => {
    const all = Array.from({ length: 7 }, (_, i) => `t${i}`);
    const registry = await server((request, response) => {
      const url = new URL(request.url ?? '/', registry.url);
      const n = Number(url.searchParams.get('n'));
      const last = url.searchParams.get('last');
      const from = last === null ? 0 : all.indexOf(last) + 1;
      const page = all.slice(from, from + n);
      const headers: Record<string, string> = {};
      if (from + n < all.length) {
        const next = `/v2/team/app/tags/list?n=${n}&last=${page.at(-1) ?? ''}`;
        // Alternate relative and absolute links, as registries do both.
        headers.link = `<${from === 0 ? next : `${registry.url}${next}`}>; rel="next"`;
      }
      sendJson(response, 200, { name: 'team/app', tags: page }, headers);
    });
    expect(await client(registry, { tagsPageSize: 3 }).listTags('team/app')).toEqual(all);
    expect(registry.requests.map((r) => r.url)).toEqual([
      '/v2/team/app/tags/list?n=3',
      '/v2/team/app/tags/list?n=3&last=t2',
      '/v2/team/app/tags/list?n=3&last=t5',
    ]);
  });

  it('is null for an unknown repository, [] for null tags, and stops on a Link loop', async () => {
    const registry = await server((request, response) => {
      if (request.url?.startsWith('/v2/team/none/')) return sendOciError(response, 404, 'NAME_UNKNOWN', 'repository name not known to registry');
      if (request.url?.startsWith('/v2/team/empty/')) return sendJson(response, 200, { name: 'team/empty', tags: null });
      sendJson(response, 200, { name: 'team/loop', tags: ['a'] }, { link: '</v2/team/loop/tags/list?n=1000>; rel="next"' });
    });
    const upstream = client(registry);
    expect(await upstream.listTags('team/none')).toBeNull();
    expect(await upstream.listTags('team/empty')).toEqual([]);
    expect(await upstream.listTags('team/loop')).toEqual(['a']);
    expect(registry.count('GET', /^\/v2\/team\/loop\//)).toBe(1);
  });
});

describe('breaker', () => {
  it('goes offline after consecutive unavailable answers, fails fast, and comes back after openMs', async () => {
    let status = 503;
    const registry = await server((_request, response) => void response.writeHead(status, { 'content-length': 2 }).end('{}'));
    const logger = memoryLogger();
    const changes: string[] = [];
    // The breaker's clock moves only when the test says: "offline" holds however slow the machine is.
    let nowMs = Date.now();
    const upstream = client(registry, { breaker: { failures: 3, openMs: 200 }, logger, hooks: { onBreakerChange: (s) => changes.push(s) }, now: () => nowMs });
    const blob = `sha256:${'e'.repeat(64)}`;
    for (let i = 0; i < 3; i += 1) await expect(upstream.headBlob('team/app', blob)).rejects.toMatchObject({ reason: 'status-503' });
    expect(upstream.breakerState()).toBe('offline');
    const offline = await upstream.listTags('team/app').catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(UpstreamUnavailableError);
    expect((offline as UpstreamUnavailableError).reason).toBe('offline');
    expect(registry.requests).toHaveLength(3);

    nowMs += 199;
    await expect(upstream.headBlob('team/app', blob)).rejects.toMatchObject({ reason: 'offline' });
    expect(registry.requests).toHaveLength(3);
    status = 404;
    nowMs += 1;
    expect(await upstream.headBlob('team/app', blob)).toBeNull(); // the trial: a 404 is an answer
    expect(upstream.breakerState()).toBe('online');
    expect(changes).toEqual(['offline', 'online']);
    expect(logger.lines.map((l) => l.message)).toEqual(['upstream offline', 'upstream back online']);
    expect(logger.lines[0]?.fields).toMatchObject({ upstream: 'test', failures: 3, reason: 'status-503' });
  });
});
