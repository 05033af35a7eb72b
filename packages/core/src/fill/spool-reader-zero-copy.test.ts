import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { zeroCopyAvailable, zeroCopyBytesSent } from '@berth/sendfile';
import { spoolPath } from './spool-dir.js';
import { SpoolReader } from './spool-reader.js';
import { Spool } from './spool.js';

const DIGEST = `sha256:${'ef'.repeat(32)}`;
const CHUNK = 64 * 1024;

let dir: string;
let server: Server;
let port: number;
/** The next request's response, handed to the test. */
let nextResponse: ((res: ServerResponse) => void) | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-spool-zc-'));
  server = createServer((_req, res) => nextResponse?.(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Body bytes the client of the current fetchServedBy has received so far. */
let receivedBytes = 0;

/** Until the client has received `bytes` (waited for, not timed: the test's timeout bounds it). */
async function untilReceived(bytes: number): Promise<void> {
  while (receivedBytes < bytes) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A GET whose server side is `serve`; resolves with what the client received and whether the body completed. */
function fetchServedBy(serve: (res: ServerResponse) => Promise<void>): Promise<{ body: Buffer; complete: boolean }> {
  nextResponse = (res) => void serve(res);
  receivedBytes = 0;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        receivedBytes += chunk.length;
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
      res.on('aborted', () => resolve({ body: Buffer.concat(chunks), complete: false }));
    }).on('error', reject);
  });
}

const describeWithAddon = zeroCopyAvailable ? describe : describe.skip;

describeWithAddon('SpoolReader.sendTo an HTTP response (sendfile)', () => {
  it('sends a growing fill from the spool file once on disk, its first chunk from memory, the last byte after seal', async () => {
    const content = randomBytes(20 * 1024 * 1024 + 5);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    const before = zeroCopyBytesSent();
    let sent: Promise<void> | undefined;
    const received = fetchServedBy(async (res) => {
      res.setHeader('Content-Length', String(content.length));
      sent = new SpoolReader(spool).sendTo(res).then(() => void res.end());
      await sent;
    });
    for (let at = 0; at < content.length; at += CHUNK) await spool.append(content.subarray(at, at + CHUNK));
    await spool.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    spool.seal();
    const { body, complete } = await received;
    await sent;
    expect(complete).toBe(true);
    expect(body.equals(content)).toBe(true);
    // Everything but the first chunk went through sendfile.
    expect(zeroCopyBytesSent() - before).toBeGreaterThanOrEqual(content.length - CHUNK);
    await spool.discard();
  });

  it('cuts the body short when the fill fails, so the client never sees it complete', async () => {
    const spool = await Spool.create(spoolPath(dir, DIGEST), 4 * CHUNK);
    let outcome: Promise<void> | undefined;
    const received = fetchServedBy(async (res) => {
      res.setHeader('Content-Length', String(4 * CHUNK));
      outcome = new SpoolReader(spool).sendTo(res);
      await outcome.catch(() => res.destroy());
    });
    await spool.append(randomBytes(2 * CHUNK));
    await spool.flush();
    await untilReceived(2 * CHUNK);
    spool.fail(new Error('digest did not match'));
    const { body, complete } = await received;
    await expect(outcome).rejects.toThrow('digest did not match');
    expect(complete).toBe(false);
    expect(body.length).toBe(2 * CHUNK);
    await spool.discard();
  });
});
