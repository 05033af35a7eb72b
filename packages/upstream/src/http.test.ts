import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createUpstreamClient } from './client.js';
import { UpstreamUnavailableError } from './errors.js';
import { freeLoopbackPort, startTestServer } from './testing/http-server.js';
import type { TestServer } from './testing/http-server.js';
import type { UpstreamClient, UpstreamOptions } from './types.js';

// Redirects, timeouts and connection failures of the HTTP layer, seen through the client.

const DIGEST = `sha256:${'c'.repeat(64)}`;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const started = await startTestServer(handler);
  cleanups.push(() => started.stop());
  return started;
}

function client(url: string, extra: Partial<UpstreamOptions> = {}): UpstreamClient {
  const upstream = createUpstreamClient({ name: 'test', url, ...extra });
  cleanups.push(() => upstream.close());
  return upstream;
}


describe('redirects', () => {
  it('follows a blob redirect to another origin without the Authorization header', async () => {
    const content = Buffer.from('bytes from the object store');
    const cdn = await server((_request, response) => {
      response.writeHead(200, { 'content-length': content.length }).end(content);
    });
    const registry = await server((request, response) => {
      if (request.url?.startsWith('/v2/team/app/blobs/')) {
        return void response.writeHead(307, { location: `${cdn.url}/signed/blob?sig=1` }).end();
      }
      response.writeHead(404).end();
    });
    const upstream = client(registry.url, { credentials: { token: 'secret-token' } });
    const blob = await upstream.openBlob('team/app', DIGEST);
    expect(blob?.size).toBe(content.length);
    expect((await readAll(blob!.body)).equals(content)).toBe(true);
    expect(registry.requests[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(cdn.requests).toHaveLength(1);
    expect(cdn.requests[0]?.url).toBe('/signed/blob?sig=1');
    expect(cdn.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('keeps the Authorization header on a redirect within the upstream origin (relative Location)', async () => {
    const registry = await server((request, response) => {
      if (request.url?.startsWith('/v2/')) return void response.writeHead(302, { location: '/storage/blob' }).end();
      response.writeHead(200, { 'content-length': 3 }).end('abc');
    });
    const upstream = client(registry.url, { credentials: { token: 't' } });
    expect(await upstream.headBlob('team/app', DIGEST)).toEqual({ size: 3 });
    expect(registry.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      [`/v2/team/app/blobs/${DIGEST}`, 'Bearer t'],
      ['/storage/blob', 'Bearer t'],
    ]);
  });

  it('gives up after five redirects', async () => {
    const registry = await server((request, response) => {
      response.writeHead(302, { location: `/loop${request.url?.length ?? 0}` }).end();
    });
    const upstream = client(registry.url);
    await expect(upstream.headBlob('team/app', DIGEST)).rejects.toThrow(/more than 5 redirects/);
    expect(registry.requests).toHaveLength(6);
  });
});

describe('failures', () => {
  it('a refused connection is unavailability with reason connection', async () => {
    const port = await freeLoopbackPort();
    const upstream = client(`http://127.0.0.1:${port}`);
    const error = await upstream.headBlob('team/app', DIGEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).reason).toBe('connection');
  });

  it('slow headers are unavailability with reason timeout', async () => {
    const registry = await server((_request, response) => {
      setTimeout(() => { if (!response.destroyed) response.writeHead(200, { 'content-length': 0 }).end(); }, 1000);
    });
    const upstream = client(registry.url, { timeouts: { headersMs: 100 } });
    const error = await upstream.headBlob('team/app', DIGEST).catch((e: unknown) => e);
    expect((error as UpstreamUnavailableError).reason).toBe('timeout');
  });

  it('5xx and 429 are unavailability with the status as reason, 429 with its Retry-After', async () => {
    let status = 503;
    const registry = await server((_request, response) => {
      response.writeHead(status, { 'retry-after': '7', 'content-length': 0 }).end();
    });
    const upstream = client(registry.url);
    await expect(upstream.headBlob('team/app', DIGEST)).rejects.toMatchObject({ reason: 'status-503' });
    status = 429;
    await expect(upstream.headBlob('team/app', DIGEST)).rejects.toMatchObject({ reason: 'status-429', retryAfterMs: 7000 });
  });

  it('reports every exchange to onRequest', async () => {
    const registry = await server((request, response) => {
      if (request.url === '/moved') return void response.writeHead(200, { 'content-length': 1 }).end('x');
      response.writeHead(301, { location: '/moved' }).end();
    });
    const events: Array<{ kind: string; method: string; status: number | 'error' }> = [];
    const upstream = client(registry.url, { hooks: { onRequest: ({ kind, method, status, durationMs }) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      events.push({ kind, method, status });
    } } });
    await upstream.headBlob('team/app', DIGEST);
    await registry.stop();
    await upstream.headBlob('team/app', DIGEST).catch(() => undefined);
    expect(events).toEqual([
      { kind: 'blob-head', method: 'HEAD', status: 301 },
      { kind: 'blob-head', method: 'HEAD', status: 200 },
      { kind: 'blob-head', method: 'HEAD', status: 'error' },
    ]);
  });
});
