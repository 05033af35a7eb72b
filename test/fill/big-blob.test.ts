import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { BlobFills } from '@berth/core';
import { createFsBlobStore } from '@berth/storage';
import { MiB, patternChunks } from '../storage/blob-sources.js';

// 32 clients pulling one 256 MiB layer that is not cached yet: one upstream GET, every client gets
// exact bytes, and memory stays flat (nothing holds the blob in memory).
const BLOB_SIZE = 256 * MiB;
const SEED = 0x5eed;
const READERS = 32;
const SOURCE_CHUNK = 256 * 1024;
const RSS_GROWTH_LIMIT = 150 * MiB;

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-big-fill-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function sha256Of(chunks: Iterable<Uint8Array>): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

async function sha256OfStream(stream: Readable): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, bytes };
}

/** Reads about 1 MiB, then goes away as a disconnecting client would. */
async function disconnectAfterOneMiB(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    if (bytes >= MiB) break; // leaving the loop destroys the stream
  }
  return bytes;
}

/** Samples RSS until stopped; returns the peak seen. */
function watchRss(intervalMs = 25): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

type FillRead = NonNullable<Awaited<ReturnType<BlobFills['open']>>>;

describe('blob fill of a 256 MiB blob with 32 concurrent readers', () => {
  it('fetches once, serves every reader the exact bytes, and keeps memory bounded', async () => {
    const digest = sha256Of(patternChunks(BLOB_SIZE, SEED, SOURCE_CHUNK));
    const store = createFsBlobStore({ root: join(base, 'store') });
    const spoolDir = join(base, 'spool');
    const fills = new BlobFills({ store, spoolDir });
    let sourceCalls = 0;
    const source = async () => {
      sourceCalls += 1;
      // Generated as the fill pulls it: the whole blob never exists in memory.
      return { size: BLOB_SIZE, body: Readable.from(patternChunks(BLOB_SIZE, SEED, SOURCE_CHUNK)) };
    };

    const baseline = process.memoryUsage().rss;
    const rss = watchRss();
    const startedAt = Date.now();
    const opened = await Promise.all(Array.from({ length: READERS + 1 }, () => fills.open(digest, source)));
    const reads = opened.map((read): FillRead => {
      if (read === null) throw new Error('fill answered null');
      return read;
    });
    const [leaver, ...stayers] = reads as [FillRead, ...FillRead[]];
    const [leftAfter, results] = await Promise.all([disconnectAfterOneMiB(leaver.stream), Promise.all(stayers.map((read) => sha256OfStream(read.stream)))]);
    await fills.drain();
    const elapsedMs = Date.now() - startedAt;
    const growth = rss.stop() - baseline;
    console.log(
      `big blob fill: ${READERS} readers x ${BLOB_SIZE / MiB} MiB in ${elapsedMs} ms; ` +
        `RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB`,
    );

    expect(sourceCalls).toBe(1);
    expect(reads.filter((read) => read.joined)).toHaveLength(READERS);
    expect(leftAfter).toBeGreaterThanOrEqual(MiB);
    expect(leftAfter).toBeLessThan(BLOB_SIZE);
    expect(results).toHaveLength(READERS);
    for (const result of results) expect(result).toEqual({ digest, bytes: BLOB_SIZE });
    expect(await store.stat(digest)).toEqual({ digest, size: BLOB_SIZE });
    expect(await sha256OfStream(await store.read(digest))).toEqual({ digest, bytes: BLOB_SIZE });
    expect(await readdir(spoolDir)).toEqual([]);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT);
  });
});
