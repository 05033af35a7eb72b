import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { jest } from '@jest/globals';
import { createFsBlobStore, type BlobStore } from '@berth/storage';
import { BlobFills } from '../blob-fills.js';
import type { FillMetrics, FillRead, FillSourceBlob } from '../types.js';

// Shared by the fill unit tests (not part of the package build).

export const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A filesystem store and BlobFills in a fresh temp dir; cleanup() drains the fills and removes it. */
export async function fillsInTempDir(prefix: string, metrics?: FillMetrics): Promise<{
  base: string;
  spoolDir: string;
  store: BlobStore;
  fills: BlobFills;
  cleanup(): Promise<void>;
}> {
  const base = await mkdtemp(join(tmpdir(), prefix));
  const spoolDir = join(base, 'spool');
  const store = createFsBlobStore({ root: join(base, 'store') });
  const fills = new BlobFills({ store, spoolDir, ...(metrics !== undefined ? { metrics } : {}) });
  return {
    base,
    spoolDir,
    store,
    fills,
    async cleanup() {
      await fills.drain();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** An upstream body the test feeds by hand, and a source() that counts its calls. */
export function controlledSource(size: number) {
  const body = new PassThrough();
  const source = jest.fn(async (): Promise<FillSourceBlob> => ({ size, body }));
  return { body, source };
}

export { buffer as collect } from 'node:stream/consumers';

export function mustRead(read: FillRead | null): FillRead {
  if (read === null) throw new Error('expected a read, got null');
  return read;
}
