import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spoolPath } from './spool-dir.js';
import { SPOOL_MEMORY_BYTES, Spool } from './spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-spool-recycle-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const DIGEST = `sha256:${'9a'.repeat(32)}`;
const CHUNK = 1024 * 1024;

describe('Spool recycling', () => {
  it('gives a chunk back only once it is on disk and out of the memory window, and never one lent to a reader', async () => {
    const count = SPOOL_MEMORY_BYTES / CHUNK + 6;
    const chunks = Array.from({ length: count }, () => randomBytes(CHUNK));
    const content = Buffer.concat(chunks);
    const given: Uint8Array[] = [];
    const onDiskWhenGiven: boolean[] = [];
    const spool = await Spool.create(spoolPath(dir, DIGEST), content.length, (chunk) => {
      given.push(chunk);
      const index = chunks.findIndex((candidate) => candidate === chunk);
      onDiskWhenGiven.push(spool.bytesWritten >= (index + 1) * CHUNK);
      // Whoever gets it back may write into it at once: the spool must not need these bytes again.
      (chunk as Buffer).fill(0);
    });
    // A reader takes a view of the third chunk: it stays out of the recycling.
    await spool.append(chunks[0]!);
    await spool.append(chunks[1]!);
    await spool.append(chunks[2]!);
    const view = spool.readRecent(2 * CHUNK + 5, 10);
    expect(view?.equals(chunks[2]!.subarray(5, 15))).toBe(true);
    for (const chunk of chunks.slice(3)) await spool.append(chunk);
    await spool.flush();

    // The last window's worth stays in memory; of the older ones all but the lent one came back.
    const outOfWindow = count - SPOOL_MEMORY_BYTES / CHUNK;
    expect(given.length).toBe(outOfWindow - 1);
    expect(given).not.toContain(chunks[2]);
    expect(onDiskWhenGiven.every(Boolean)).toBe(true);
    // Zeroing the given-back chunks changed nothing on disk or in what readers get.
    expect(view?.equals(content.subarray(2 * CHUNK + 5, 2 * CHUNK + 15))).toBe(true);
    spool.seal();
    expect((await readFile(spool.path)).equals(content)).toBe(true);
    await spool.discard();
  });
});
