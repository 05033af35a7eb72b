import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createUpstreamClient } from './client.js';
import { UpstreamError, UpstreamUnavailableError } from './errors.js';
import { startTestServer } from './testing/http-server.js';
import type { TestServer } from './testing/http-server.js';
import type { UpstreamClient, UpstreamOptions } from './types.js';

// Blob bodies that resume after a cut connection, through a loopback server that honours Range.

const BLOB = randomBytes(1024 * 1024 + 17);
const DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface BlobServerOptions {
  /** Cut the connection of the first `cuts` answers after this many body bytes. */
  cutAfter?: number;
  cuts?: number;
  /** Ignore Range headers (answer 200 with everything). */
  ignoreRange?: boolean;
  /** Answer a Range request with a Content-Range of another total. */
  lieAboutTotal?: boolean;
}

async function blobServer(options: BlobServerOptions = {}): Promise<TestServer> {
  let answered = 0;
  const server = await startTestServer((request: IncomingMessage, response: ServerResponse) => {
    const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = match !== null && options.ignoreRange !== true ? Number(match[1]) : 0;
    const bytes = BLOB.subarray(start);
    const headers: Record<string, string | number> = { 'content-length': bytes.length, 'content-type': 'application/octet-stream' };
    if (start > 0) headers['content-range'] = `bytes ${start}-${BLOB.length - 1}/${options.lieAboutTotal === true ? BLOB.length + 1 : BLOB.length}`;
    response.writeHead(start > 0 ? 206 : 200, headers);
    answered += 1;
    if (options.cutAfter !== undefined && answered <= (options.cuts ?? 1)) {
      response.write(bytes.subarray(0, options.cutAfter), () => response.socket?.destroy());
      return;
    }
    response.end(request.method === 'HEAD' ? undefined : bytes);
  });
  cleanups.push(() => server.stop());
  return server;
}

function client(server: TestServer, extra: Partial<UpstreamOptions> = {}): UpstreamClient {
  const upstream = createUpstreamClient({ name: 'test', url: server.url, ...extra });
  cleanups.push(() => upstream.close());
  return upstream;
}


const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('openBlob', () => {
  it('streams a whole blob', async () => {
    const server = await blobServer();
    const blob = await client(server).openBlob('team/app', DIGEST);
    expect(blob?.size).toBe(BLOB.length);
    expect(sha256(await readAll(blob!.body))).toBe(DIGEST);
  });

  it('resumes a body cut midway with Range requests, transparently', async () => {
    const server = await blobServer({ cutAfter: 300_000, cuts: 2 });
    const blob = await client(server).openBlob('team/app', DIGEST);
    expect(sha256(await readAll(blob!.body))).toBe(DIGEST);
    expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=300000-', 'bytes=600000-']);
  });

  it('errors after maxBlobResumes cuts', async () => {
    const server = await blobServer({ cutAfter: 1000, cuts: 10 });
    const blob = await client(server, { maxBlobResumes: 2 }).openBlob('team/app', DIGEST);
    const error = await readAll(blob!.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toMatch(/broke at byte 3000 of \d+ after 2 resumes/);
    expect(server.requests).toHaveLength(3);
  });

  it('starts at an offset with a Range request', async () => {
    const server = await blobServer();
    const blob = await client(server).openBlob('team/app', DIGEST, { offset: 1000 });
    expect(blob?.size).toBe(BLOB.length);
    expect((await readAll(blob!.body)).equals(BLOB.subarray(1000))).toBe(true);
    expect(server.requests[0]?.headers.range).toBe('bytes=1000-');
  });

  it('skips the head of a 200 answer when the upstream ignores Range', async () => {
    const server = await blobServer({ ignoreRange: true, cutAfter: 5000, cuts: 1 });
    const blob = await client(server).openBlob('team/app', DIGEST, { offset: 100 });
    expect((await readAll(blob!.body)).equals(BLOB.subarray(100))).toBe(true);
    expect(server.requests.map((r) => r.headers.range)).toEqual(['bytes=100-', 'bytes=5000-']);
  });

  it('refuses a resumed answer for a blob of another size', async () => {
    const server = await blobServer({ cutAfter: 1000, lieAboutTotal: true });
    const blob = await client(server).openBlob('team/app', DIGEST);
    const error = await readAll(blob!.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('SIZE_INVALID');
  });

  it('stops when the signal aborts', async () => {
    const server = await blobServer();
    const controller = new AbortController();
    const blob = await client(server).openBlob('team/app', DIGEST, { signal: controller.signal });
    const reading = readAll(blob!.body);
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(blob!.body.destroyed).toBe(true);
  });

  it('keeps memory bounded: an unread body stops pulling from the upstream', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 7);
    let written = 0;
    const server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'content-length': big.length });
      const step = 64 * 1024;
      const pump = () => {
        while (written < big.length) {
          const ok = response.write(big.subarray(written, written + step));
          written += step;
          if (!ok) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
    cleanups.push(() => server.stop());
    const blob = await client(server).openBlob('team/app', `sha256:${'d'.repeat(64)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Socket buffers on both sides plus the stream buffers: far below the blob's 32 MiB.
    expect(written).toBeLessThan(12 * 1024 * 1024);
    blob!.body.destroy();
  });

  it('is null for a blob the upstream does not have', async () => {
    const server = await startTestServer((_request, response) => void response.writeHead(404).end());
    cleanups.push(() => server.stop());
    expect(await client(server).openBlob('team/app', DIGEST)).toBeNull();
  });
});
