import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StorageFullError } from './blob-store.js';
import { FsSpace, NO_SPACE_MEMORY_MS } from './fs-space.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-fs-space-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FsSpace', () => {
  it('turns ENOSPC and EDQUOT into StorageFullError and leaves other errors alone', () => {
    const space = new FsSpace(root);
    const full = space.translate(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), '/blobs');
    expect(full).toBeInstanceOf(StorageFullError);
    expect((full as Error).message).toBe('no space left on device (ENOSPC) writing to /blobs');
    expect((space.translate(Object.assign(new Error('quota'), { code: 'EDQUOT' }), '/blobs') as StorageFullError).code).toBe('EDQUOT');
    const other = Object.assign(new Error('denied'), { code: 'EACCES' });
    expect(space.translate(other, '/blobs')).toBe(other);
  });

  it('reports a write that failed for lack of space for NO_SPACE_MEMORY_MS, then is fine again', async () => {
    let now = 1_000_000;
    const space = new FsSpace(root, () => now);
    await expect(space.assertSpace()).resolves.toBeUndefined();
    space.translate(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), root);
    now += 12_000;
    await expect(space.assertSpace()).rejects.toThrow(/no space left on device \(ENOSPC\) writing to .* 12 s ago \(\d+ bytes free now\)/);
    now += NO_SPACE_MEMORY_MS;
    await expect(space.assertSpace()).resolves.toBeUndefined();
  });
});
