import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import type { BlobStore } from '@berth/storage';
import { BlobFills } from './blob-fills.js';
import { inlineDigester } from './fill-digest.js';
import { SPOOL_MEMORY_BYTES } from './spool.js';
import { collect, fillsInTempDir, mustRead, sha256 } from './testing/fixtures.js';

let base: string;
let store: BlobStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ base, store, cleanup } = await fillsInTempDir('berth-fill-chunks-'));
});
afterEach(async () => {
  await cleanup();
});

const CHUNK = 1024 * 1024;

it("spools the upstream's own chunks even when several wait at once, so each comes back to be read into again", async () => {
  const chunks = Array.from({ length: 24 }, () => randomBytes(CHUNK));
  const content = Buffer.concat(chunks);
  // Every chunk is buffered before the fill reads: a reader that concatenated what waits would
  // spool new buffers, and none of the upstream's would come back.
  const body = new Readable({ read: () => undefined, highWaterMark: content.length });
  for (const chunk of chunks) body.push(chunk);
  body.push(null);
  const recycled: Uint8Array[] = [];
  const fills = new BlobFills({ store, spoolDir: `${base}/spool-chunks`, digester: inlineDigester });
  const reader = mustRead(await fills.open(sha256(content), async () => ({ size: content.length, body, recycle: (chunk) => recycled.push(chunk) })));
  // A reader reading from memory would keep the chunks it was lent: this one leaves at once, and
  // the fill runs to its end without it.
  reader.stream.destroy();
  await fills.drain();
  // All but the spool's memory window came back, each one a chunk pushed.
  expect(recycled.length).toBeGreaterThanOrEqual(chunks.length - SPOOL_MEMORY_BYTES / CHUNK - 2);
  for (const chunk of recycled) expect(chunks).toContain(chunk);
  expect(await store.stat(sha256(content))).toEqual({ digest: sha256(content), size: content.length });
  expect((await collect(await store.read(sha256(content)))).equals(content)).toBe(true);
});
