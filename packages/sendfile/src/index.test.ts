import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sendFileRange, zeroCopyAvailable, zeroCopyBytesSent, zeroCopyCorked, zeroCopySocket } from './index.js';

const SIZE = 24 * 1024 * 1024;
let dir: string;
let file: string;
let content: Buffer;
let server: Server;
let port: number;
/** How each request ended on the server side: 'ok' or the rejection's message. */
const outcomes: string[] = [];
let inFlight = 0;

/** Under /cork/: whether the connection was seen corked while the send ran, and after it. */
const corking: { during?: boolean; after?: boolean } = {};

/** Poll (once per event-loop turn) until the send ends or the connection is seen corked. */
async function watchCork(target: NonNullable<ReturnType<typeof zeroCopySocket>>, sending: Promise<void>): Promise<void> {
  let ended = false;
  void sending.then(() => (ended = true), () => (ended = true));
  while (!ended && !zeroCopyCorked(target)) await new Promise((resolve) => setImmediate(resolve));
  corking.during = !ended;
  await sending.catch(() => undefined);
  corking.after = zeroCopyCorked(target);
}

/**
 * Serve /<offset>/<length>/<declared length> of the file with sendFileRange; under /head/ the
 * headers are set with writeHead (stored, not yet written) instead of setHeader; under /cork/ the
 * connection's TCP_CORK is watched.
 */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const withWriteHead = (req.url ?? '').startsWith('/head/');
  const watchingCork = (req.url ?? '').startsWith('/cork/');
  const [offset = 0, length = 0, declared = length] = (req.url ?? '').replace(/^\/(head|cork)/, '').split('/').slice(1).map(Number);
  const target = zeroCopySocket(res);
  if (target === undefined) throw new Error('no zero-copy target for a plain HTTP response');
  inFlight += 1;
  const handle = await open(file);
  try {
    if (withWriteHead) res.writeHead(200, { 'Content-Length': String(declared) });
    else res.setHeader('Content-Length', String(declared));
    const sending = sendFileRange(target, handle.fd, offset, length);
    if (watchingCork) await watchCork(target, sending);
    await sending;
    res.end();
    outcomes.push('ok');
  } catch (error) {
    outcomes.push((error as Error).message);
    res.destroy();
  } finally {
    await handle.close();
    inFlight -= 1;
  }
}

function get(path: string, agent?: import('node:http').Agent): Promise<{ status: number; body: Buffer; socketReused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), socketReused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const openDescriptors = () => readdirSync('/proc/self/fd').length;

const describeOnLinux = zeroCopyAvailable ? describe : describe.skip;

describe('zeroCopySocket', () => {
  it('is undefined for a target that is not an HTTP response', () => {
    expect(zeroCopySocket(new PassThrough())).toBeUndefined();
  });
});

describe('the addon', () => {
  // The test machine has what node-gyp needs (test-prereqs checks it): on Linux a missing addon is
  // a broken install, and the zero-copy tests below must not be skipped quietly.
  (process.platform === 'linux' ? it : it.skip)('is built and loaded on Linux', () => {
    expect(zeroCopyAvailable).toBe(true);
  });
});

describeOnLinux('sendFileRange', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-sendfile-'));
    file = join(dir, 'blob');
    content = randomBytes(SIZE);
    await writeFile(file, content);
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(async () => {
    await until(() => inFlight === 0); // the previous test's server side has finished too
    outcomes.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the whole file after the headers, and the connection stays usable for the next request', async () => {
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = zeroCopyBytesSent();
    const first = await get(`/0/${SIZE}`, agent);
    const second = await get('/100/5000', agent);
    agent.destroy();
    expect(first.status).toBe(200);
    expect(first.body.length).toBe(SIZE);
    expect(sha(first.body)).toBe(sha(content));
    expect(second.socketReused).toBe(true);
    expect(second.body.equals(content.subarray(100, 5100))).toBe(true);
    await until(() => outcomes.length === 2);
    expect(outcomes).toEqual(['ok', 'ok']);
    expect(zeroCopyBytesSent() - before).toBe(SIZE + 5000);
  });

  it('sends the headers first when the response set them with writeHead (stored, not yet written)', async () => {
    const { status, body } = await get(`/head/0/${SIZE}`);
    expect(status).toBe(200);
    expect(sha(body)).toBe(sha(content));
  });

  it('corks the connection while the file goes out (full segments only), and uncorks it after', async () => {
    // The client reads only once the server has looked (or the send could end first). The server's
    // check runs on this same event loop, turn after turn, so a corked send is seen long before the
    // client gives up waiting (50 polls); an uncorked one is then seen ending as it was.
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/cork/0/${SIZE}` }, (res) => {
        const chunks: Buffer[] = [];
        res.pause();
        let polls = 0;
        const resumeOnceLooked = () => {
          polls += 1;
          if (corking.during === undefined && polls < 50) return void setTimeout(resumeOnceLooked, 20);
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.resume();
        };
        resumeOnceLooked();
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(sha(body)).toBe(sha(content));
    await until(() => corking.after !== undefined);
    expect(corking).toEqual({ during: true, after: false });
  });

  it('sends a range from the middle of the file', async () => {
    const offset = 3 * 1024 * 1024 + 17;
    const { body } = await get(`/${offset}/1000000`);
    expect(body.equals(content.subarray(offset, offset + 1_000_000))).toBe(true);
  });

  it('rejects when the file ends before the range does', async () => {
    await expect(get(`/${SIZE - 10}/20`)).rejects.toThrow();
    expect(outcomes[0]).toMatch(/file ended before the range did/);
  });

  it('waits for a client that stops reading without holding the event loop, then completes', async () => {
    // Only a timer callback on this event loop resumes the paused reader: a send that held the
    // event loop while the socket was full would never complete. (How late the timer fires says
    // more about how busy the machine is than about the send, so it is not measured.)
    let resumedByTimer = false;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/0/${SIZE}` }, (res) => {
        const chunks: Buffer[] = [];
        res.pause(); // the socket buffers fill and sendfile meets EAGAIN
        setTimeout(() => {
          resumedByTimer = true;
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.resume();
        }, 300);
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(resumedByTimer).toBe(true);
    expect(sha(body)).toBe(sha(content));
  });

  it('stops when the client goes away mid-body, leaving no descriptor behind', async () => {
    const descriptors = openDescriptors();
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/0/${SIZE}` }, (res) => {
        // Not reading: the server's socket fills (the file is larger than both socket buffers), then we leave.
        res.pause();
        setTimeout(() => req.destroy(), 100);
      });
      req.on('error', () => undefined);
      req.on('close', resolve);
      req.on('timeout', reject);
      req.end();
    });
    await until(() => outcomes.length > 0);
    expect(outcomes[0]).toMatch(/cancelled|EPIPE|ECONNRESET/);
    await until(() => openDescriptors() <= descriptors);
    expect(openDescriptors()).toBeLessThanOrEqual(descriptors);
  });
});
