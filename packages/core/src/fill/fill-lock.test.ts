import { buffer as collect } from 'node:stream/consumers';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it, expect, beforeEach, afterEach, jest } from '@jest/globals';
import { createFsBlobStore } from '@berth/storage';
import type { BlobStore } from '@berth/storage';
import { BlobFills } from './blob-fills.js';
import { FillWaitTimeoutError } from './errors.js';
import { InProcessFillLock } from './fill-lock.js';
import type { FillLock, FillLockLease } from './fill-lock.js';
import type { FillSourceBlob } from './types.js';

let base: string;
let store: BlobStore;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-fill-lock-'));
  store = createFsBlobStore({ root: join(base, 'store') });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const fastPolling = { initialDelayMs: 5, maxDelayMs: 20 };


/** A lock held by "another replica" for the first `deniedTimes` attempts (then its lease expired). */
function foreignLock(deniedTimes: number) {
  const released = jest.fn(async () => undefined);
  let attempts = 0;
  const lock: FillLock & { attempts(): number } = {
    acquire: async (): Promise<FillLockLease | null> => {
      attempts += 1;
      return attempts <= deniedTimes ? null : { release: released };
    },
    attempts: () => attempts,
  };
  return { lock, released };
}

describe('fill locks', () => {
  it('InProcessFillLock always grants', async () => {
    const lock = new InProcessFillLock();
    const [a, b] = await Promise.all([lock.acquire('sha256:a'), lock.acquire('sha256:a')]);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    await a.release();
  });

  it('waits for the replica holding the lock and serves from the store once its fill lands', async () => {
    const content = randomBytes(20_000);
    const digest = sha256(content);
    const { lock } = foreignLock(Number.POSITIVE_INFINITY);
    const fills = new BlobFills({ store, spoolDir: join(base, 'spool'), lock, lockWait: fastPolling });
    const source = jest.fn(async (): Promise<FillSourceBlob> => ({ size: content.length, body: Readable.from([content]) }));
    const opening = fills.open(digest, source);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.write(Readable.from([content]), { expected: digest }); // the other replica's fill
    const read = await opening;
    expect(source).not.toHaveBeenCalled();
    expect((await collect(read!.stream)).equals(content)).toBe(true);
    await fills.drain();
  });

  it('takes over when the holder dies and its lock expires, then releases the lock', async () => {
    const content = randomBytes(20_000);
    const { lock, released } = foreignLock(3);
    const fills = new BlobFills({ store, spoolDir: join(base, 'spool'), lock, lockWait: fastPolling });
    const source = jest.fn(async (): Promise<FillSourceBlob> => ({ size: content.length, body: Readable.from([content]) }));
    const read = await fills.open(sha256(content), source);
    expect((await collect(read!.stream)).equals(content)).toBe(true);
    await fills.drain();
    expect(lock.attempts()).toBe(4);
    expect(source).toHaveBeenCalledTimes(1);
    expect(released).toHaveBeenCalledTimes(1);
    expect(await store.stat(sha256(content))).not.toBeNull();
  });

  it('gives up after the wait timeout', async () => {
    const { lock } = foreignLock(Number.POSITIVE_INFINITY);
    const fills = new BlobFills({ store, spoolDir: join(base, 'spool'), lock, lockWait: { ...fastPolling, timeoutMs: 60 } });
    const source = jest.fn(async () => null);
    await expect(fills.open(sha256(Buffer.from('slow')), source)).rejects.toBeInstanceOf(FillWaitTimeoutError);
    expect(source).not.toHaveBeenCalled();
  });
});
