import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Addon, type Sha256Addon } from './addon.js';
import { SHA256_BACKLOG_BYTES, ThreadedSha256, threadedSha256 } from './sha256.js';


/** The addon's hashing, with every update after the first `okUpdates` reported as failed by the pool. */
function failingAfter(okUpdates: number): Sha256Addon {
  const real = sha256Addon!;
  let updates = 0;
  return {
    sha256Create: () => real.sha256Create(),
    sha256Final: (handle) => real.sha256Final(handle),
    sha256Receive: (...args) => real.sha256Receive(...args),
    sha256ReceiveCancel: (job) => real.sha256ReceiveCancel(job),
    sha256Update: (handle, chunks, done) => {
      updates += 1;
      if (updates > okUpdates) setImmediate(() => done('sha256: update failed'));
      else real.sha256Update(handle, chunks, done);
    },
  };
}

describe('ThreadedSha256', () => {
  it('is available where the addon is built', () => {
    expect(sha256Addon).toBeDefined();
    expect(threadedSha256()).toBeInstanceOf(ThreadedSha256);
  });

  it('hashes chunks of every size, in order, to the same digest as node:crypto', async () => {
    const chunks = [0, 1, 63, 64, 65, 4096, 1024 * 1024, 3 * 1024 * 1024 + 7, 10, 9 * 1024 * 1024].map((n) => randomBytes(n));
    const hash = threadedSha256()!;
    for (const chunk of chunks) await hash.update(chunk);
    const expected = createHash('sha256');
    for (const chunk of chunks) expected.update(chunk);
    expect(await hash.digest()).toBe(expected.digest('hex'));
    expect(hash.backlog).toBe(0);
  });

  it('makes the caller wait once more than the backlog limit is handed over', async () => {
    const hash = threadedSha256()!;
    const chunk = randomBytes(1024 * 1024);
    let maxBacklog = 0;
    for (let i = 0; i < 40; i++) {
      await hash.update(chunk);
      maxBacklog = Math.max(maxBacklog, hash.backlog);
    }
    expect(maxBacklog).toBeLessThanOrEqual(SHA256_BACKLOG_BYTES);
    const expected = createHash('sha256');
    for (let i = 0; i < 40; i++) expected.update(chunk);
    expect(await hash.digest()).toBe(expected.digest('hex'));
  });

  it('releases a chunk only once it is hashed', async () => {
    const hash = threadedSha256()!;
    const chunk = randomBytes(4 * 1024 * 1024);
    const events: string[] = [];
    void hash.update(chunk);
    hash.whenHashed(chunk, () => events.push('released'));
    expect(events).toEqual([]); // handed over, not hashed yet: its memory must not be reused
    await hash.digest();
    expect(events).toEqual(['released']);
    hash.whenHashed(chunk, () => events.push('again'));
    expect(events).toEqual(['released', 'again']); // hashed already: at once
  });

  it('rejects update and digest, and releases held chunks, once the pool reports a failure', async () => {
    const hash = new ThreadedSha256(failingAfter(1));
    const first = randomBytes(1024);
    const second = randomBytes(1024);
    await hash.update(first);
    await hash.digest(); // the first update went through
    await hash.update(second); // queued; its batch fails on the pool
    let released = false;
    hash.whenHashed(second, () => {
      released = true;
    });
    await expect(hash.digest()).rejects.toThrow('sha256: update failed');
    expect(released).toBe(true);
    await expect(hash.update(randomBytes(10))).rejects.toThrow('sha256: update failed');
  });

  it('wakes a caller waiting on the backlog when the hashing fails', async () => {
    const hash = new ThreadedSha256(failingAfter(0));
    const big = randomBytes(SHA256_BACKLOG_BYTES + 1);
    await expect(hash.update(big)).rejects.toThrow('sha256: update failed');
  });
});
