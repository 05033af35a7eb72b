import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DigestMismatchError, type BlobStore } from '@berth/storage';
import { ThreadedSha256 } from '@berth/sendfile';
import { BlobFills } from './blob-fills.js';
import { defaultFillDigester, type FillDigester } from './fill-digest.js';
import type { FillMetrics } from './types.js';
import { collect, controlledSource, fillsInTempDir, mustRead, sha256 } from './testing/fixtures.js';

let base: string;
let store: BlobStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ base, store, cleanup } = await fillsInTempDir('berth-fill-digest-'));
});
afterEach(async () => {
  await cleanup();
});

type Hashing = ConstructorParameters<typeof ThreadedSha256>[0];

/** These doubles hash handed-over chunks only; the digesters below never offer a socket receive. */
const noReceive: Pick<Hashing, 'sha256Receive' | 'sha256ReceiveCancel'> = {
  sha256Receive: () => {
    throw new Error('no socket receive in this test');
  },
  sha256ReceiveCancel: () => undefined,
};

/** Real sha256 whose pool updates are held back until the test lets them go. */
function heldHashing(): { hashing: Hashing; release(): void; held(): number } {
  const hash = { chunks: [] as Buffer[] };
  let pending: Array<() => void> = [];
  let open = false;
  return {
    hashing: {
      sha256Create: () => hash,
      sha256Update: (_handle, chunks, done) => {
        const finish = () => {
          hash.chunks.push(...chunks.map((c) => Buffer.from(c)));
          done(null);
        };
        if (open) setImmediate(finish);
        else pending.push(finish);
      },
      sha256Final: () => createHash('sha256').update(Buffer.concat(hash.chunks)).digest(),
      ...noReceive,
    },
    release() {
      open = true;
      const run = pending;
      pending = [];
      for (const finish of run) finish();
    },
    held: () => pending.length,
  };
}

/** A pool whose updates fail, as a crashed hashing step would be reported. */
const failingHashing: Hashing = {
  sha256Create: () => ({}),
  sha256Update: (_handle, _chunks, done) => setImmediate(() => done('sha256: update failed')),
  sha256Final: () => {
    throw new Error('final after a failure');
  },
  ...noReceive,
};

const threadedWith = (hashing: Hashing) => (): FillDigester => {
  const hash = new ThreadedSha256(hashing);
  return { update: (c) => hash.update(c), digest: async () => `sha256:${await hash.digest()}`, whenHashed: (c, r) => hash.whenHashed(c, r) };
};

/** Every byte a reader got before it ended or failed. */
function received(stream: Readable): { bytes(): number; done: Promise<unknown> } {
  let count = 0;
  stream.on('data', (chunk: Buffer) => {
    count += chunk.length;
  });
  const done = new Promise((resolve) => {
    stream.once('end', () => resolve('end'));
    stream.once('error', resolve);
  });
  return { bytes: () => count, done };
}

describe('fill hashing on the thread pool', () => {
  it('is what a fill uses for sha256 by default', () => {
    const digester = defaultFillDigester('sha256');
    // The in-line digester releases at once; the threaded one holds a chunk handed over until hashed.
    const chunk = randomBytes(4 * 1024 * 1024);
    void digester.update(chunk);
    let released = false;
    digester.whenHashed(chunk, () => {
      released = true;
    });
    expect(released).toBe(false);
  });

  it('withholds the last byte until the pool has hashed everything, then delivers it', async () => {
    const held = heldHashing();
    const fills = new BlobFills({ store, spoolDir: join(base, 'held'), digester: threadedWith(held.hashing) });
    const content = randomBytes(600_000);
    const { body, source } = controlledSource(content.length);
    const reader = mustRead(await fills.open(sha256(content), source));
    const got = received(reader.stream);
    body.end(content);
    // Everything but the last byte reaches the reader while the hash is still held back.
    while (got.bytes() < content.length - 1) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(held.held()).toBeGreaterThan(0);
    expect(got.bytes()).toBe(content.length - 1);
    held.release();
    expect(await got.done).toBe('end');
    expect(got.bytes()).toBe(content.length);
    await fills.drain();
    expect(await store.stat(sha256(content))).toEqual({ digest: sha256(content), size: content.length });
  });

  it('fails the fill on a mismatch found by the pool: the reader never gets the last byte', async () => {
    const fills = new BlobFills({ store, spoolDir: join(base, 'mismatch') });
    const content = randomBytes(3 * 1024 * 1024);
    const tampered = Buffer.from(content);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
    const { body, source } = controlledSource(content.length);
    const reader = mustRead(await fills.open(sha256(content), source));
    const got = received(reader.stream);
    body.end(tampered);
    expect(await got.done).toBeInstanceOf(DigestMismatchError);
    expect(got.bytes()).toBeLessThan(content.length);
    await fills.drain();
    expect(await store.stat(sha256(content))).toBeNull();
    expect(await readdir(join(base, 'mismatch'))).toEqual([]);
  });

  it('fails the fill cleanly when the hashing fails, instead of hanging', async () => {
    const metrics = { failed: jest.fn(), completed: jest.fn() } satisfies FillMetrics;
    const fills = new BlobFills({ store, spoolDir: join(base, 'crash'), digester: threadedWith(failingHashing), metrics });
    const content = randomBytes(12 * 1024 * 1024);
    const { body, source } = controlledSource(content.length);
    const reader = mustRead(await fills.open(sha256(content), source));
    const outcome = collect(reader.stream);
    body.end(content);
    await expect(outcome).rejects.toThrow('sha256: update failed');
    await fills.drain();
    expect(metrics.failed).toHaveBeenCalledTimes(1);
    expect(metrics.completed).not.toHaveBeenCalled();
    expect(await store.stat(sha256(content))).toBeNull();
    expect(await readdir(join(base, 'crash'))).toEqual([]);
    expect(fills.activeFills).toBe(0);
  });

  it('fails the fill when the upstream breaks while chunks are still being hashed', async () => {
    const held = heldHashing();
    const fills = new BlobFills({ store, spoolDir: join(base, 'abort'), digester: threadedWith(held.hashing) });
    const content = randomBytes(2 * 1024 * 1024);
    const { body, source } = controlledSource(content.length * 2);
    const reader = mustRead(await fills.open(sha256(Buffer.concat([content, content])), source));
    const outcome = collect(reader.stream);
    body.write(content);
    while (held.held() === 0) await new Promise((resolve) => setImmediate(resolve));
    body.destroy(new Error('upstream went away'));
    await expect(outcome).rejects.toThrow('upstream went away');
    held.release(); // the pool finishes the batch it had: nothing waits for it any more
    await fills.drain();
    expect(await readdir(join(base, 'abort'))).toEqual([]);
    expect(fills.activeFills).toBe(0);
  });
});
