import { buffer as collect } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { prepareSpoolDir, spoolPath } from './spool-dir.js';
import { SPOOL_READ_CHUNK_BYTES, SpoolReader } from './spool-reader.js';
import { SPOOL_MEMORY_BYTES, Spool } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DIGEST = `sha256:${'ab'.repeat(32)}`;


describe('Spool and SpoolReader', () => {
  it('serves the newest bytes from memory before they reach the disk, and older ones from the file', async () => {
    const first = randomBytes(1000);
    const rest = randomBytes(SPOOL_MEMORY_BYTES + 5000);
    const content = Buffer.concat([first, rest]);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    const appending = spool.append(first);
    // Accepted, not necessarily written: a reader may have it already, as a view of the same chunk.
    expect(spool.position(0)).toEqual({ kind: 'data', end: 1000 });
    expect(spool.readRecent(10, 100)?.equals(first.subarray(10, 110))).toBe(true);
    expect(spool.readRecent(900, 500)?.length).toBe(100); // never past the chunk
    await appending;
    await spool.append(rest);
    await spool.flush();
    // More than the memory window has been written: the first chunk is dropped from memory ...
    expect(spool.readRecent(0, 100)).toBeUndefined();
    expect(spool.readRecent(1000, 100)?.equals(rest.subarray(0, 100))).toBe(true);
    spool.seal();
    // ... and a reader from the start gets it from the file, then the rest.
    expect((await collect(new SpoolReader(spool))).equals(content)).toBe(true);
    await spool.discard();
  });

  it('after bytes written into the file by someone else (advanceTo), maps appended bytes to their own offsets', async () => {
    const received = randomBytes(3000);
    const rest = randomBytes(2000);
    const content = Buffer.concat([received, rest]);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    // A receive thread wrote the first bytes straight into the file.
    await writeFile(spool.path, received);
    spool.advanceTo(1000);
    expect(spool.position(0)).toEqual({ kind: 'data', end: 1000 });
    spool.advanceTo(3000);
    expect(spool.readRecent(0, 100)).toBeUndefined(); // not in memory: read from the file
    await spool.append(rest);
    // The appended chunk is the bytes from 3000 on, not from 0.
    expect(spool.readRecent(3000, 100)?.equals(rest.subarray(0, 100))).toBe(true);
    expect(spool.readRecent(10, 100)).toBeUndefined();
    await spool.flush();
    spool.seal();
    expect((await collect(new SpoolReader(spool))).equals(content)).toBe(true);
    expect(() => spool.advanceTo(10)).toThrow(/advanced to 10/);
    await spool.discard();
  });

  it('writes many small chunks queued back to back in order, and refuses a seal before flush', async () => {
    const content = randomBytes(20 * 1024 * 1024 + 7);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    const reader = collect(new SpoolReader(spool));
    const last = content.length - 5;
    for (let at = 0; at < last; at += 10_000) await spool.append(content.subarray(at, Math.min(at + 10_000, last)));
    // Queued synchronously; its write cannot have happened yet.
    const tail = spool.append(content.subarray(last));
    expect(spool.bytesAccepted).toBe(content.length);
    expect(() => spool.seal()).toThrow(/sealed before flush/);
    await tail;
    await spool.flush();
    expect(spool.bytesWritten).toBe(content.length);
    spool.seal();
    expect((await reader).equals(content)).toBe(true);
    await spool.discard();
  });

  it('serves bytes as they are appended, withholding the last byte until sealed', async () => {
    const content = randomBytes(3000);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    const reader = new SpoolReader(spool);
    const parts: Buffer[] = [];
    reader.on('data', (chunk: Buffer) => parts.push(chunk));
    const ended = new Promise((resolve, reject) => reader.on('end', resolve).on('error', reject));
    // Wait for the reader by what it received, not by a fixed delay (a loaded machine is slow).
    const received = async (bytes: number) => {
      for (let waited = 0; Buffer.concat(parts).length < bytes && waited < 10_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await spool.append(content.subarray(0, 1000));
    await received(1000);
    expect(Buffer.concat(parts).equals(content.subarray(0, 1000))).toBe(true);

    await spool.append(content.subarray(1000));
    await received(content.length - 1);
    // Given time to (wrongly) deliver the last byte too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Everything is written, but a client given all bytes would take the body as complete:
    // the last byte waits for the content to be verified.
    expect(Buffer.concat(parts).equals(content.subarray(0, content.length - 1))).toBe(true);
    await spool.flush();
    spool.seal();
    await ended;
    expect(Buffer.concat(parts).equals(content)).toBe(true);
    await spool.discard();
  });

  it('reads a range, in chunks of the fixed size', async () => {
    const content = randomBytes(3 * SPOOL_READ_CHUNK_BYTES);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    await spool.append(content);
    await spool.flush();
    spool.seal();
    const reader = new SpoolReader(spool, { start: 10, end: 2 * SPOOL_READ_CHUNK_BYTES + 9 });
    const sizes: number[] = [];
    reader.on('data', (chunk: Buffer) => sizes.push(chunk.length));
    expect((await collect(reader)).equals(content.subarray(10, 2 * SPOOL_READ_CHUNK_BYTES + 10))).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(SPOOL_READ_CHUNK_BYTES);
    await spool.discard();
  });

  it('destroys every reader, idle ones included, when the fill fails', async () => {
    const spool = await Spool.create(spoolPath(dir, DIGEST), 10_000);
    await spool.append(randomBytes(5000));
    const waiting = new SpoolReader(spool, { start: 6000, end: 9999 });
    const idle = new SpoolReader(spool); // never read from
    const waitingDone = collect(waiting);
    const idleClosed = new Promise<Error | undefined>((resolve) => idle.on('error', resolve));
    spool.fail(new Error('upstream gone'));
    await expect(waitingDone).rejects.toThrow('upstream gone');
    expect((await idleClosed)?.message).toBe('upstream gone');
    await spool.discard();
  });

  it('keeps serving readers after the path is unlinked', async () => {
    const content = randomBytes(50_000);
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length);
    await spool.append(content);
    await spool.flush();
    spool.seal();
    const reader = new SpoolReader(spool);
    await spool.discard();
    expect(await readdir(dir)).toEqual([]);
    expect((await collect(reader)).equals(content)).toBe(true);
  });

  it('refuses new readers once the writer and every reader let go', async () => {
    const spool = await Spool.create(spoolPath(dir, DIGEST), 1);
    const reader = new SpoolReader(spool);
    await spool.discard();
    reader.destroy();
    expect(() => new SpoolReader(spool)).toThrow('closed');
  });
});

describe('prepareSpoolDir', () => {
  it('creates the directory and sweeps leftover spool files only', async () => {
    const spoolDir = join(dir, 'nested', 'spool');
    expect(await prepareSpoolDir(spoolDir)).toBe(0);
    await writeFile(spoolPath(spoolDir, DIGEST), 'left by a crash');
    await writeFile(join(spoolDir, 'README'), 'not ours');
    expect(await prepareSpoolDir(spoolDir)).toBe(1);
    expect(await readdir(spoolDir)).toEqual(['README']);
  });
});
