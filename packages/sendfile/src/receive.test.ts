import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveError, bytesReceivedDirectly } from './receive.js';
import { threadedSha256 } from './sha256.js';

const MiB = 1024 * 1024;

/** A loopback connection whose client side Node does not read (paused before any byte is sent). */
interface Pair {
  /** The client's descriptor, for the receive. */
  fd: number;
  client: Socket;
  /** The server's end: what it writes, the receive reads. */
  peer: Socket;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pair(): Promise<Pair> {
  const server: Server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  // With onread, pause() stops libuv's reads at once (a plain socket reads on up to its buffer's mark).
  const client = connect({ host: '127.0.0.1', port: address.port, onread: { buffer: Buffer.alloc(64 * 1024), callback: () => false } });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  client.pause();
  const peer = await accepted;
  cleanups.push(async () => {
    client.destroy();
    peer.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
  return { fd, client, peer };
}

async function tempFile(flags = 'w+'): Promise<{ path: string; handle: FileHandle }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-receive-'));
  const path = join(dir, 'spool');
  const handle = await open(path, flags === 'r' ? 'w+' : flags);
  const file = flags === 'r' ? await (await handle.close(), open(path, 'r')) : handle;
  cleanups.push(async () => {
    await file.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  return { path, handle: file };
}

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

describe('ThreadedSha256.receiveIntoFile', () => {
  it('writes the prefix and the socket bytes into the file from the offset, and hashes them', async () => {
    const { fd, peer } = await pair();
    const file = await tempFile();
    const prefix = [randomBytes(1000), randomBytes(3)];
    const body = randomBytes(5 * MiB + 7);
    const hash = threadedSha256()!;
    const seen: number[] = [];
    const before = bytesReceivedDirectly();
    const job = hash.receiveIntoFile({ socketFd: fd, prefix, length: body.length, idleTimeoutMs: 60_000 }, { fd: file.handle.fd, offset: 100, onWritten: (n) => seen.push(n) });
    peer.write(body);
    expect(await job.done).toBe(1003 + body.length);
    expect(await hash.digest()).toBe(sha256(...prefix, body));
    const stored = await readFile(file.path);
    expect(stored.subarray(100).equals(Buffer.concat([...prefix, body]))).toBe(true);
    expect(seen.at(-1)).toBe(1003 + body.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(bytesReceivedDirectly() - before).toBe(1003 + body.length);
  });

  it('stops at a connection closed early with exactly the bytes written hashed, so the digest can go on', async () => {
    const { fd, peer } = await pair();
    const file = await tempFile();
    const body = randomBytes(3 * MiB);
    const hash = threadedSha256()!;
    const job = hash.receiveIntoFile({ socketFd: fd, prefix: [], length: body.length, idleTimeoutMs: 60_000 }, { fd: file.handle.fd, offset: 0, onWritten: () => undefined });
    peer.end(body.subarray(0, 1.5 * MiB));
    const error = await job.done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReceiveError);
    expect(error).toMatchObject({ failure: 'closed', code: 'UND_ERR_SOCKET', written: 1.5 * MiB, connectionFailed: true });
    await hash.update(body.subarray(1.5 * MiB));
    expect(await hash.digest()).toBe(sha256(body));
  });

  it('gives up when no byte arrives for the idle timeout', async () => {
    const { fd } = await pair();
    const file = await tempFile();
    const job = threadedSha256()!.receiveIntoFile({ socketFd: fd, prefix: [], length: 10, idleTimeoutMs: 100 }, { fd: file.handle.fd, offset: 0, onWritten: () => undefined });
    await expect(job.done).rejects.toMatchObject({ failure: 'timeout', code: 'UND_ERR_BODY_TIMEOUT', written: 0 });
  });

  it('stops when cancelled, and writes nothing after that', async () => {
    const { fd, peer } = await pair();
    const file = await tempFile();
    const job = threadedSha256()!.receiveIntoFile({ socketFd: fd, prefix: [], length: 2 * MiB, idleTimeoutMs: 60_000 }, { fd: file.handle.fd, offset: 0, onWritten: () => undefined });
    job.cancel();
    await expect(job.done).rejects.toMatchObject({ failure: 'cancelled', connectionFailed: false });
    peer.write(randomBytes(MiB));
    job.cancel(); // after the end: nothing to do, no crash
    expect((await file.handle.stat()).size).toBe(0);
  });

  it('reports a file it cannot write as a write failure, not a connection one', async () => {
    const { fd, peer } = await pair();
    const file = await tempFile('r');
    const job = threadedSha256()!.receiveIntoFile({ socketFd: fd, prefix: [], length: MiB, idleTimeoutMs: 60_000 }, { fd: file.handle.fd, offset: 0, onWritten: () => undefined });
    peer.write(randomBytes(MiB));
    await expect(job.done).rejects.toMatchObject({ failure: 'write', code: 'EBADF', written: 0, connectionFailed: false });
  });

  it('refuses to start with bytes in flight, and refuses updates while it runs', async () => {
    const { fd, peer } = await pair();
    const file = await tempFile();
    const busy = threadedSha256()!;
    void busy.update(randomBytes(MiB));
    expect(() => busy.receiveIntoFile({ socketFd: fd, prefix: [], length: 1, idleTimeoutMs: 60_000 }, { fd: file.handle.fd, offset: 0, onWritten: () => undefined })).toThrow(/nothing in flight/);
    const hash = threadedSha256()!;
    const job = hash.receiveIntoFile({ socketFd: fd, prefix: [], length: 4, idleTimeoutMs: 60_000 }, { fd: file.handle.fd, offset: 0, onWritten: () => undefined });
    await expect(hash.update(randomBytes(1))).rejects.toThrow(/while a receive runs/);
    peer.write('abcd');
    expect(await job.done).toBe(4);
    expect(await hash.digest()).toBe(sha256(Buffer.from('abcd')));
  });
});
