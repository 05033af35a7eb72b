import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, it, expect, beforeEach, afterEach, jest } from '@jest/globals';
import type { BlobStore } from '@berth/storage';
import { BlobFills } from './blob-fills.js';
import type { FillRead } from './types.js';
import { collect, controlledSource, fillsInTempDir, mustRead, sha256 } from './testing/fixtures.js';

const MiB = 1024 * 1024;

let spoolDir: string;
let store: BlobStore;
let fills: BlobFills;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ spoolDir, store, fills, cleanup } = await fillsInTempDir('berth-fills-'));
});
afterEach(async () => {
  await cleanup();
});




/** Resolves once `stream` has delivered at least `bytes` (the stream is left flowing into `into`). */
function delivered(stream: Readable, bytes: number, into: Buffer[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    stream.on('data', (chunk: Buffer) => {
      into.push(chunk);
      seen += chunk.length;
      if (seen >= bytes) resolve(seen);
    });
    stream.on('error', reject);
  });
}


async function storedBytes(digest: string): Promise<Buffer | null> {
  return (await store.stat(digest)) === null ? null : collect(await store.read(digest));
}

describe('BlobFills', () => {
  it('delivers the first bytes before the upstream body has ended', async () => {
    const content = randomBytes(200_000);
    const { body, source } = controlledSource(content.length);
    const read = mustRead(await fills.open(sha256(content), source));
    expect(read).toMatchObject({ size: content.length, joined: false });
    body.write(content.subarray(0, 1000));
    const iterator = read.stream[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as Buffer;
    expect(first.equals(content.subarray(0, first.length))).toBe(true);
    expect(body.writableEnded).toBe(false);

    body.end(content.subarray(1000));
    const rest: Buffer[] = [first];
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest.push(next.value as Buffer);
    expect(Buffer.concat(rest).equals(content)).toBe(true);
  });

  it('calls the source once for many concurrent opens, and all get every byte', async () => {
    const content = randomBytes(3 * MiB);
    const { body, source } = controlledSource(content.length);
    const reads = (await Promise.all(Array.from({ length: 10 }, () => fills.open(sha256(content), source)))).map(mustRead);
    expect(source).toHaveBeenCalledTimes(1);
    expect(reads.filter((read) => !read.joined)).toHaveLength(1);
    const bodies = Promise.all(reads.map((read) => collect(read.stream)));
    for (let offset = 0; offset < content.length; offset += 64 * 1024) body.write(content.subarray(offset, offset + 64 * 1024));
    body.end();
    for (const bytes of await bodies) expect(bytes.equals(content)).toBe(true);
    await fills.drain();
    expect((await storedBytes(sha256(content)))?.equals(content)).toBe(true);
  });

  it('gives a late joiner every byte from the start', async () => {
    const content = randomBytes(2 * MiB);
    const half = content.length / 2;
    const { body, source } = controlledSource(content.length);
    const first = mustRead(await fills.open(sha256(content), source));
    const firstParts: Buffer[] = [];
    const halfway = delivered(first.stream, half, firstParts);
    body.write(content.subarray(0, half));
    await halfway;

    const late = mustRead(await fills.open(sha256(content), source));
    expect(late.joined).toBe(true);
    const lateBytes = collect(late.stream);
    const firstDone = new Promise((resolve) => first.stream.on('end', resolve));
    body.end(content.subarray(half));
    expect((await lateBytes).equals(content)).toBe(true);
    await firstDone;
    expect(Buffer.concat(firstParts).equals(content)).toBe(true);
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('answers a range once the fill verified the blob, from the store, clamped to the blob', async () => {
    const content = randomBytes(500_000);
    const { body, source } = controlledSource(content.length);
    const whole = mustRead(await fills.open(sha256(content), source));
    const wholeBytes = collect(whole.stream);
    body.write(content.subarray(0, 300_000));
    await delivered(whole.stream, 1);
    // The range's bytes are in the spool, but not verified: its open waits for the fill.
    let answered = false;
    const ranges = Promise.all([
      fills.open(sha256(content), source, { start: 1000, end: 299_999 }),
      fills.open(sha256(content), source, { start: 400_000, end: 10_000_000 }),
    ]).finally(() => (answered = true));
    await expect(fills.open(sha256(content), source, { start: content.length, end: content.length + 5 })).rejects.toThrow('not satisfiable');
    expect(answered).toBe(false);
    body.end(content.subarray(300_000));
    const [middle, tail] = (await ranges).map(mustRead) as [FillRead, FillRead];
    expect(await store.stat(sha256(content))).toEqual({ digest: sha256(content), size: content.length });
    expect(middle).toMatchObject({ range: { start: 1000, end: 299_999 }, joined: true });
    expect(tail).toMatchObject({ range: { start: 400_000, end: content.length - 1 }, joined: true });
    expect((await collect(middle.stream)).equals(content.subarray(1000, 300_000))).toBe(true);
    expect((await collect(tail.stream)).equals(content.subarray(400_000))).toBe(true);
    expect((await wholeBytes).equals(content)).toBe(true);
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('keeps filling after a reader disconnects, and the blob lands in the store', async () => {
    const content = randomBytes(4 * MiB);
    const { body, source } = controlledSource(content.length);
    const read = mustRead(await fills.open(sha256(content), source));
    const oneMiB = delivered(read.stream, MiB);
    body.write(content.subarray(0, 2 * MiB));
    await oneMiB;
    read.stream.destroy(); // the client went away
    body.end(content.subarray(2 * MiB));
    await fills.drain();
    expect((await storedBytes(sha256(content)))?.equals(content)).toBe(true);
  });

  it('lets a fast reader finish while a stalled one has read under 10%', async () => {
    const content = randomBytes(8 * MiB);
    const { body, source } = controlledSource(content.length);
    const fast = mustRead(await fills.open(sha256(content), source));
    const slow = mustRead(await fills.open(sha256(content), source));
    const slowParts: Buffer[] = [];
    // The slow client stops after its first chunk until the checks below are done: the fast one
    // must finish without it, however long that takes on a busy machine.
    let stalled = true;
    slow.stream.on('data', (chunk: Buffer) => {
      slowParts.push(chunk);
      if (stalled) slow.stream.pause();
    });
    const slowDone = new Promise((resolve, reject) => slow.stream.on('end', resolve).on('error', reject));
    const fastBytes = collect(fast.stream);
    body.end(content);
    expect((await fastBytes).equals(content)).toBe(true);
    const slowRead = slowParts.reduce((sum, part) => sum + part.length, 0);
    expect(slowRead).toBeLessThan(content.length / 10);

    await fills.drain(); // the fill does not wait for the slow reader either
    expect(await store.stat(sha256(content))).toEqual({ digest: sha256(content), size: content.length });
    expect(await readdir(spoolDir)).toEqual([]); // unlinked; the slow reader reads from its open handle
    stalled = false;
    slow.stream.resume();
    await slowDone;
    expect(Buffer.concat(slowParts).equals(content)).toBe(true);
  });

  it('serves from the store when the blob landed there before the open', async () => {
    const content = randomBytes(10_000);
    await store.write(Readable.from([content]), { expected: sha256(content) });
    const { source } = controlledSource(content.length);
    const read = mustRead(await fills.open(sha256(content), source, { start: 5, end: 9 }));
    expect(source).not.toHaveBeenCalled();
    expect(read).toMatchObject({ size: content.length, range: { start: 5, end: 9 }, joined: false });
    expect((await collect(read.stream)).equals(content.subarray(5, 10))).toBe(true);
  });

  it('answers null for every caller when the upstream does not have the blob', async () => {
    const source = jest.fn(async () => null);
    const digest = sha256(Buffer.from('nowhere'));
    expect(await Promise.all([fills.open(digest, source), fills.open(digest, source)])).toEqual([null, null]);
    expect(source).toHaveBeenCalledTimes(1);
    expect(fills.activeFills).toBe(0);
    await fills.drain();
    expect(await readdir(spoolDir)).toEqual([]); // the spool file opened meanwhile is removed
  });

  it('verifies sha512 digests too', async () => {
    const content = randomBytes(70_000);
    const digest = `sha512:${createHash('sha512').update(content).digest('hex')}`;
    const { body, source } = controlledSource(content.length);
    const read = mustRead(await fills.open(digest, source));
    body.end(content);
    expect((await collect(read.stream)).equals(content)).toBe(true);
    await fills.drain();
    expect(await store.stat(digest)).toEqual({ digest, size: content.length });
  });

  it('removes the spool file once the fill completes', async () => {
    const content = randomBytes(100_000);
    const { body, source } = controlledSource(content.length);
    const read = mustRead(await fills.open(sha256(content), source));
    body.write(content.subarray(0, 50_000));
    expect(await readdir(spoolDir)).toHaveLength(1);
    body.end(content.subarray(50_000));
    expect((await collect(read.stream)).equals(content)).toBe(true);
    await fills.drain();
    expect(await readdir(spoolDir)).toEqual([]);
  });
});
