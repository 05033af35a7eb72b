import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setZeroCopyEnabled, zeroCopyAvailable, zeroCopyBytesSent } from '@berth/sendfile';
import { FILE_READ_CHUNK_BYTES, FileBody, isDirectSendable } from './file-body.js';

const CONTENT = randomBytes(2 * FILE_READ_CHUNK_BYTES + 12345);
let dir: string;
let path: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-file-body-'));
  path = join(dir, 'blob');
  await writeFile(path, CONTENT);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Byte-for-byte equality (toEqual walks a Buffer element by element: seconds for megabytes). */
function expectSame(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

async function body(start = 0, end = CONTENT.length - 1): Promise<{ body: FileBody; handle: FileHandle }> {
  const handle = await open(path, 'r');
  return { body: new FileBody(handle, start, end), handle };
}

/**
 * A target that, like a socket, still holds each chunk until it calls the write's callback (later,
 * from another turn) and only then takes its bytes: a body reusing a buffer too early shows up
 * as corrupt output.
 */
class SlowSink extends Writable {
  readonly received: Buffer[] = [];
  held = 0;
  maxHeld = 0;

  override _write(chunk: Buffer, _encoding: string, callback: (error?: Error | null) => void): void {
    this.held += 1;
    this.maxHeld = Math.max(this.maxHeld, this.held);
    setTimeout(() => {
      this.received.push(Buffer.from(chunk));
      this.held -= 1;
      callback();
    }, 2);
  }
}

describe('FileBody', () => {
  it('streams its bytes, whole or a range', async () => {
    const whole = await body();
    expectSame(Buffer.concat(await whole.body.toArray()), CONTENT);
    const part = await body(5, FILE_READ_CHUNK_BYTES + 7);
    expectSame(Buffer.concat(await part.body.toArray()), CONTENT.subarray(5, FILE_READ_CHUNK_BYTES + 8));
    expect(whole.handle.fd).toBe(-1); // closed at the end
  });

  it('sends the same bytes without reusing a buffer before its write completed', async () => {
    const { body: sent, handle } = await body();
    expect(isDirectSendable(sent)).toBe(true);
    const sink = new SlowSink({ highWaterMark: 64 * FILE_READ_CHUNK_BYTES });
    let ended = false;
    sent.once('end', () => { ended = true; });
    await sent.sendTo(sink);
    expectSame(Buffer.concat(sink.received), CONTENT);
    expect(ended).toBe(true); // as after a full read
    expect(sink.maxHeld).toBeLessThanOrEqual(4); // a few buffers in flight, whatever the size
    expect(handle.fd).toBe(-1);
  });

  it('sends a range that ends in the middle of a read', async () => {
    const { body: sent } = await body(3, 2 * FILE_READ_CHUNK_BYTES + 1);
    const sink = new SlowSink({ highWaterMark: 64 * FILE_READ_CHUNK_BYTES });
    await sent.sendTo(sink);
    expectSame(Buffer.concat(sink.received), CONTENT.subarray(3, 2 * FILE_READ_CHUNK_BYTES + 2));
  });

  it('sends nothing for an empty range', async () => {
    const { body: sent, handle } = await body(0, -1);
    const sink = new SlowSink();
    await sent.sendTo(sink);
    expect(sink.received).toEqual([]);
    expect(handle.fd).toBe(-1);
  });

  it('rejects and closes the file when the target goes away midway', async () => {
    const { body: sent, handle } = await body();
    let writes = 0;
    const target = new Writable({
      highWaterMark: 64 * FILE_READ_CHUNK_BYTES,
      write(_chunk, _encoding, callback) {
        writes += 1;
        // The first write completes; the second never does: the peer hangs up instead.
        if (writes === 1) callback();
        else setTimeout(() => target.destroy(), 5);
      },
    });
    await expect(sent.sendTo(target)).rejects.toThrow(/closed before the body was sent/);
    expect(handle.fd).toBe(-1);
  });

  it('refuses to send a body already read as a stream', async () => {
    const { body: read } = await body();
    read.read(); // starts reading
    await expect(read.sendTo(new SlowSink())).rejects.toThrow(/already read/);
    read.destroy();
  });
});

/** GET a range of the file through a real HTTP response: the body, and the bytes sent with sendfile meanwhile. */
async function serveOverHttp(start: number, end: number): Promise<{ received: Buffer; zeroCopyBytes: number }> {
  let served: Promise<void> | undefined;
  const server = createServer((_req, res) => {
    served = body(start, end).then(async ({ body: fileBody }) => {
      res.setHeader('Content-Length', String(end + 1 - start));
      await fileBody.sendTo(res);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const before = zeroCopyBytesSent();
  try {
    const received = await new Promise<Buffer>((resolve, reject) => {
      get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    // The client can have every byte before the server hears that its send completed.
    await served;
    return { received, zeroCopyBytes: zeroCopyBytesSent() - before };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

(zeroCopyAvailable ? describe : describe.skip)('FileBody.sendTo an HTTP response', () => {
  it('sends the range with sendfile', async () => {
    const { received, zeroCopyBytes } = await serveOverHttp(7, CONTENT.length - 1);
    expectSame(received, CONTENT.subarray(7));
    expect(zeroCopyBytes).toBe(CONTENT.length - 7);
  });

  it('copies through user space when server.sendfile is off', async () => {
    setZeroCopyEnabled(false);
    try {
      const { received, zeroCopyBytes } = await serveOverHttp(0, CONTENT.length - 1);
      expectSame(received, CONTENT);
      expect(zeroCopyBytes).toBe(0);
    } finally {
      setZeroCopyEnabled(true);
    }
  });
});
