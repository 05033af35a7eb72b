import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from '@jest/globals';
import { threadedSha256 } from '@berth/sendfile';
import { UnsupportedFramingError, getOverOwnConnection, type BlobConnectionOptions } from './blob-connection.js';
import { createUpstreamClient } from './client.js';
import { startTestServer } from './testing/http-server.js';

// The blob reader on its own connection, against raw sockets that answer exactly what each case needs.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A TCP server whose connections get `answer(socket, requestHead)` once the request head arrived. */
async function rawServer(answer: (socket: Socket, head: string) => void): Promise<{ url: string; heads: string[] }> {
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.slice(0, end);
      received = '';
      heads.push(head);
      answer(socket, head);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heads };
}

function options(url: string, extra: Partial<BlobConnectionOptions> = {}): BlobConnectionOptions {
  return { url: new URL(`${url}/v2/team/app/blobs/x`), headers: { authorization: 'Bearer t', range: 'bytes=5-' }, connectTimeoutMs: 2000, headersTimeoutMs: 2000, bodyIdleTimeoutMs: 2000, ...extra };
}

describe('getOverOwnConnection', () => {
  it('sends the request head and reads a Content-Length body sent in pieces, with headers as undici gives them', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 11);
    const { url, heads } = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${content.length}\r\nX-Seen: a\r\nX-Seen: b\r\n\r\n`);
      for (let at = 0; at < content.length; at += 100_000) socket.write(content.subarray(at, at + 100_000));
    });
    const response = await getOverOwnConnection(options(url));
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String(content.length));
    expect(response.headers['x-seen']).toEqual(['a', 'b']);
    expect((await readAll(response.body)).equals(content)).toBe(true);
    expect(heads[0]!.split('\r\n')).toEqual(['GET /v2/team/app/blobs/x HTTP/1.1', `host: ${new URL(url).host}`, 'authorization: Bearer t', 'range: bytes=5-', 'connection: close']);
  });

  it('hands large reads over as they are, each in a buffer of its own', async () => {
    const content = randomBytes(16 * 1024 * 1024);
    const { url } = await rawServer((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${content.length}\r\n\r\n`), content])));
    const response = await getOverOwnConnection(options(url));
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk as Buffer);
    // Held until the end: had a handed-over buffer been read into again, the bytes would differ.
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    const large = chunks.filter((chunk) => chunk.length >= 512 * 1024);
    expect(large.length).toBeGreaterThan(0);
    expect(new Set(large.map((chunk) => chunk.buffer)).size).toBe(large.length);
  });

  it('reads into buffers given back with recycle, and the bytes stay right', async () => {
    const content = randomBytes(32 * 1024 * 1024);
    const { url } = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${content.length}\r\n\r\n`);
      for (let at = 0; at < content.length; at += 4 * 1024 * 1024) socket.write(content.subarray(at, at + 4 * 1024 * 1024));
    });
    const response = await getOverOwnConnection(options(url));
    const hash = createHash('sha256');
    const largeBuffers: ArrayBufferLike[] = [];
    for await (const chunk of response.body) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      if (bytes.length >= 512 * 1024) largeBuffers.push(bytes.buffer);
      response.recycle(bytes); // done with it: the next read may land in the same memory
    }
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    expect(largeBuffers.length).toBeGreaterThan(4);
    expect(new Set(largeBuffers).size).toBeLessThan(largeBuffers.length);
  });

  it('reads a body delimited by the end of the connection, after an interim 100 answer', async () => {
    const { url } = await rawServer((socket) => {
      socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nall of it');
    });
    const response = await getOverOwnConnection(options(url));
    expect(response.status).toBe(200);
    expect((await readAll(response.body)).toString()).toBe('all of it');
  });

  it('errors the body when the connection ends before Content-Length bytes', async () => {
    const { url } = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    const response = await getOverOwnConnection(options(url));
    await expect(readAll(response.body)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
  });

  it('hands the connection over mid-body: the bytes it holds, then the socket with exactly the rest', async () => {
    const first = randomBytes(100_000);
    const rest = randomBytes(2 * 1024 * 1024 + 3);
    let peer: Socket | undefined;
    const { url } = await rawServer((socket) => {
      peer = socket;
      socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${first.length + rest.length}\r\n\r\n`), first]));
    });
    const response = await getOverOwnConnection(options(url));
    // Nobody reads the body: the connection buffers what arrived (waited for, not timed).
    while (response.body.readableLength < first.length) await new Promise((resolve) => setImmediate(resolve));
    const taken = response.handOver()!;
    expect(response.handOver()).toBeUndefined();
    expect(Buffer.concat(taken.pending).equals(first)).toBe(true);
    expect(taken.remaining).toBe(rest.length);
    expect(taken.idleTimeoutMs).toBe(2000);
    let later = 0;
    response.body.on('data', (chunk: Buffer) => (later += chunk.length));
    // The rest goes to the new reader only: a receive thread reads it off the socket.
    const dir = await mkdtemp(join(tmpdir(), 'berth-handover-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = await open(join(dir, 'rest'), 'w+');
    cleanups.push(() => file.close());
    const hash = threadedSha256()!;
    const job = hash.receiveIntoFile({ socketFd: taken.fd, prefix: taken.pending, length: taken.remaining, idleTimeoutMs: 60_000 }, { fd: file.fd, offset: 0, onWritten: () => undefined });
    peer!.write(rest);
    expect(await job.done).toBe(first.length + rest.length);
    taken.release();
    expect((await readFile(join(dir, 'rest'))).equals(Buffer.concat([first, rest]))).toBe(true);
    expect(await hash.digest()).toBe(createHash('sha256').update(first).update(rest).digest('hex'));
    expect(later).toBe(0);
  });

  it('does not hand over a body delimited by the end of the connection', async () => {
    const { url } = await rawServer((socket) => socket.write('HTTP/1.0 200 OK\r\n\r\nuntil the end'));
    const response = await getOverOwnConnection(options(url));
    expect(response.handOver()).toBeUndefined();
    response.body.destroy();
  });

  it('declines a chunked answer', async () => {
    const { url } = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
    await expect(getOverOwnConnection(options(url))).rejects.toBeInstanceOf(UnsupportedFramingError);
  });

  it('times out waiting for headers, and for body bytes, with the codes the transport classifies', async () => {
    const silent = await rawServer(() => undefined);
    await expect(getOverOwnConnection(options(silent.url, { headersTimeoutMs: 200 }))).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    const stalling = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome'));
    const response = await getOverOwnConnection(options(stalling.url, { bodyIdleTimeoutMs: 200 }));
    await expect(readAll(response.body)).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
  });

  it('destroys the body with the abort reason when the signal aborts midway', async () => {
    const { url } = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome'));
    const controller = new AbortController();
    const response = await getOverOwnConnection(options(url, { signal: controller.signal }));
    const reading = readAll(response.body);
    controller.abort(new Error('client gone'));
    await expect(reading).rejects.toThrow('client gone');
  });

  it('refuses a malformed status line', async () => {
    const { url } = await rawServer((socket) => socket.end('SMTP ready\r\n\r\n'));
    await expect(getOverOwnConnection(options(url))).rejects.toMatchObject({ code: 'UND_ERR_INVALID_RESPONSE' });
  });
});

describe('blob GETs through the client', () => {
  it('get a chunked answer through the general HTTP client instead', async () => {
    const server = await startTestServer((_request, response) => {
      response.writeHead(206, { 'transfer-encoding': 'chunked', 'content-range': 'bytes 3-15/16' });
      response.write('chunked ');
      response.end('bytes');
    });
    cleanups.push(() => server.stop());
    const upstream = createUpstreamClient({ name: 'test', url: server.url });
    cleanups.push(() => upstream.close());
    const blob = await upstream.openBlob('team/app', `sha256:${'a'.repeat(64)}`, { offset: 3 });
    expect((await readAll(blob!.body)).toString()).toBe('chunked bytes');
    // Asked twice: on its own connection (declined), then through undici.
    expect(server.count('GET', /\/blobs\//)).toBe(2);
  });
});
