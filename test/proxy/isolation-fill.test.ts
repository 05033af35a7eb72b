import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { send } from '../auth/registry-http.js';
import { expectOciError } from '../api/helpers.js';

// A fill in flight is joined only by repositories whose upstream vouches for the blob: a request
// through another proxy project (whose upstream lacks the blob) that arrives while the first
// repository's fill is still streaming gets BLOB_UNKNOWN, not the bytes. The upstream here is a
// small server of the test's own, so it can hold the fill open until the second request is answered.

const blob = randomBytes(256 * 1024);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
let upstream: Server;
let berth: BerthUnderTest;
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => {
  release = resolve;
});
let fillStarted: () => void = () => undefined;
const fillStartedEvent = new Promise<void>((resolve) => {
  fillStarted = resolve;
});
const heads: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/v2/' || path === '/v2') return void res.writeHead(200, { 'Content-Length': '2' }).end('{}');
    const match = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    const has = match !== null && match[1] === 'owner/app' && match[2] === digest;
    if (req.method === 'HEAD') {
      heads.push(match?.[1] ?? path);
      return void res.writeHead(has ? 200 : 404, has ? { 'Content-Length': String(blob.length), 'Docker-Content-Digest': digest } : {}).end();
    }
    if (req.method === 'GET' && has) {
      res.writeHead(200, { 'Content-Length': String(blob.length), 'Docker-Content-Digest': digest });
      res.write(blob.subarray(0, 1024));
      fillStarted();
      void released.then(() => res.end(blob.subarray(1024)));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  berth = await startBerth({
    config: {
      projects: [
        { kind: 'proxy', name: 'owner', upstream: { url } },
        { kind: 'proxy', name: 'stranger', upstream: { url } },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  release();
  await berth?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('a fill in flight', () => {
  it('is not joined by a repository whose upstream lacks the blob', async () => {
    const first = send(berth.url, 'GET', `/v2/owner/owner/app/blobs/${digest}`);
    await fillStartedEvent;
    const stranger = await send(berth.url, 'GET', `/v2/stranger/other/blobs/${digest}`);
    expectOciError(stranger, 404, 'BLOB_UNKNOWN');
    expect(heads).toContain('other');
    release();
    const owner = await first;
    expect(owner.status).toBe(200);
    expect(owner.body.equals(blob)).toBe(true);
  });
});
