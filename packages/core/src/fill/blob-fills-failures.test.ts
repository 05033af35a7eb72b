import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, expect, beforeEach, afterEach, jest } from '@jest/globals';
import { DigestMismatchError } from '@berth/storage';
import type { BlobStore } from '@berth/storage';
import { BlobFills } from './blob-fills.js';
import { Readable } from 'node:stream';
import { BlobSizeMismatchError, FillLockUnavailableError } from './errors.js';
import type { FillMetrics, FillSourceBlob } from './types.js';
import { collect, controlledSource, fillsInTempDir, mustRead, sha256 } from './testing/fixtures.js';

let base: string;
let spoolDir: string;
let store: BlobStore;
let fills: BlobFills;
let metrics: { [K in keyof Required<FillMetrics>]: jest.Mock };
let cleanup: () => Promise<void>;
beforeEach(async () => {
  metrics = { fillStarted: jest.fn(), coalesced: jest.fn(), completed: jest.fn(), digestMismatch: jest.fn(), failed: jest.fn() };
  ({ base, spoolDir, store, fills, cleanup } = await fillsInTempDir('berth-fill-failures-', metrics));
});
afterEach(async () => {
  await cleanup();
});





describe('BlobFills failures', () => {
  it('errors every reader on a digest mismatch, stores nothing, and refills on the next open', async () => {
    const content = randomBytes(300_000);
    const digest = sha256(content);
    const tampered = Buffer.from(content);
    tampered.writeUInt8(tampered.readUInt8(150_000) ^ 0xff, 150_000);
    const bad = controlledSource(content.length);
    const reader = mustRead(await fills.open(digest, bad.source));
    const outcome = collect(reader.stream);
    bad.body.write(tampered.subarray(0, 200_000));
    // A range whose bytes (the flipped one included) are spooled already: it must not see them.
    const ranged = fills.open(digest, bad.source, { start: 100, end: 160_000 });
    bad.body.end(tampered.subarray(200_000));
    await expect(outcome).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(ranged).rejects.toBeInstanceOf(DigestMismatchError);
    await fills.drain();
    expect(await store.stat(digest)).toBeNull();
    expect(metrics.digestMismatch).toHaveBeenCalledTimes(1);
    expect(metrics.failed).not.toHaveBeenCalled();
    expect(await readdir(spoolDir)).toEqual([]);

    const good = controlledSource(content.length);
    const retry = mustRead(await fills.open(digest, good.source));
    expect(retry.joined).toBe(false);
    good.body.end(content);
    expect((await collect(retry.stream)).equals(content)).toBe(true);
    await fills.drain();
    expect(await store.stat(digest)).toEqual({ digest, size: content.length });
    expect(metrics.fillStarted).toHaveBeenCalledTimes(2);
    expect(metrics.completed).toHaveBeenCalledWith(content.length);
  });

  it('errors readers with the upstream error when the body breaks midway, leaving nothing visible', async () => {
    const content = randomBytes(1024 * 1024);
    const digest = sha256(content);
    const { body, source } = controlledSource(content.length);
    const read = mustRead(await fills.open(digest, source));
    const outcome = collect(read.stream);
    body.write(content.subarray(0, content.length / 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    body.destroy(new Error('upstream went away'));
    await expect(outcome).rejects.toThrow('upstream went away');
    await fills.drain();
    expect(await store.stat(digest)).toBeNull();
    expect(metrics.failed).toHaveBeenCalledTimes(1);
    expect(await readdir(spoolDir)).toEqual([]);
    expect(fills.activeFills).toBe(0);
  });

  it('stops a body running past its declared size', async () => {
    const content = randomBytes(10_000);
    const { body, source } = controlledSource(5_000);
    const read = mustRead(await fills.open(sha256(content), source));
    const outcome = collect(read.stream);
    body.end(content);
    await expect(outcome).rejects.toBeInstanceOf(BlobSizeMismatchError);
    expect(metrics.digestMismatch).toHaveBeenCalledTimes(1);
  });

  it('rejects every opener when the source itself fails', async () => {
    const source = jest.fn(async (): Promise<FillSourceBlob> => {
      throw new Error('upstream unavailable');
    });
    const digest = sha256(Buffer.from('x'));
    const opens = [fills.open(digest, source), fills.open(digest, source)];
    for (const open of opens) await expect(open).rejects.toThrow('upstream unavailable');
    expect(source).toHaveBeenCalledTimes(1);
    expect(metrics.coalesced).toHaveBeenCalledTimes(1);
    expect(metrics.failed).toHaveBeenCalledTimes(1);
    await fills.drain();
    expect(await readdir(spoolDir)).toEqual([]); // the spool file opened meanwhile is removed
  });

  it('sweeps spool files a crash left behind', async () => {
    const leftovers = join(base, 'crashed');
    await new BlobFills({ store, spoolDir: leftovers }).drain();
    await writeFile(join(leftovers, 'sha256-0123456789abcdef-dead.spool'), 'partial');
    await new BlobFills({ store, spoolDir: leftovers }).drain();
    expect(await readdir(leftovers)).toEqual([]);
  });

  it('fails with FillLockUnavailableError, without asking the upstream, when the lock service is down', async () => {
    const unreachable = { acquire: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) };
    const locked = new BlobFills({ store, spoolDir: join(base, 'locked'), lock: unreachable });
    const source = jest.fn(async (): Promise<FillSourceBlob> => ({ size: 1, body: Readable.from([Buffer.from('x')]) }));
    const open = locked.open(sha256(Buffer.from('x')), source);
    await expect(open).rejects.toBeInstanceOf(FillLockUnavailableError);
    await expect(open).rejects.toThrow(/ECONNREFUSED/);
    expect(source).not.toHaveBeenCalled();
    await locked.drain();
  });
});
