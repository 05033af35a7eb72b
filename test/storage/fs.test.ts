import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createFsBlobStore } from '@berth/storage';
import { describeBlobStoreContract } from './blob-store-contract.js';
import { digestOfBytes, failingStream, patternBlob, streamOf } from './blob-sources.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-fs-store-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let stores = 0;
const freshRoot = () => join(base, `store-${(stores += 1)}`);

describeBlobStoreContract('filesystem', () => createFsBlobStore({ root: freshRoot() }));

describe('filesystem driver specifics', () => {
  it('lays blobs out as blobs/<alg>/<xx>/<hex>', async () => {
    const root = freshRoot();
    const store = createFsBlobStore({ root });
    const content = Buffer.from('layout check');
    const digest = digestOfBytes(content);
    const hex = digest.slice('sha256:'.length);
    await store.write(streamOf(content), { expected: digest });
    expect((await stat(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex))).size).toBe(content.length);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('leaves no temp files after failed and mismatched writes', async () => {
    const root = freshRoot();
    const store = createFsBlobStore({ root });
    const blob = patternBlob(100_000, 3);
    await expect(store.write(failingStream(50_000, 3), { expected: blob.digest })).rejects.toThrow('source broke midway');
    await expect(store.write(blob.stream(), { expected: digestOfBytes(Buffer.from('x')) })).rejects.toThrow('digest mismatch');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    await expect(readdir(join(root, 'blobs'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps the session file under uploads/<id> and moves it into place on commit', async () => {
    const root = freshRoot();
    const store = createFsBlobStore({ root });
    const content = Buffer.from('session bytes');
    await store.uploads.create('abc-123');
    await store.uploads.append('abc-123', 0, streamOf(content, 4));
    expect((await stat(join(root, 'uploads', 'abc-123'))).size).toBe(content.length);
    await store.uploads.commit('abc-123', digestOfBytes(content), content.length);
    expect(await readdir(join(root, 'uploads'))).toEqual([]);
  });

  it('refuses upload ids that are not plain tokens', async () => {
    const store = createFsBlobStore({ root: freshRoot() });
    await expect(store.uploads.create('../escape')).rejects.toThrow('invalid upload id');
    await expect(store.uploads.create('')).rejects.toThrow('invalid upload id');
  });

  it('sweeps temp files older than the limit and keeps fresh ones', async () => {
    const root = freshRoot();
    const store = createFsBlobStore({ root });
    await store.ping(); // creates tmp/
    const old = join(root, 'tmp', 'old.blob');
    const fresh = join(root, 'tmp', 'fresh.blob');
    await writeFile(old, 'left by a crash');
    await writeFile(fresh, 'being written');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(old, twoDaysAgo, twoDaysAgo);
    expect(await store.sweepTempFiles()).toBe(1);
    expect(await readdir(join(root, 'tmp'))).toEqual(['fresh.blob']);
  });

  it('adopts a verified file by moving it into place, and declines one on another filesystem', async () => {
    const store = createFsBlobStore({ root: freshRoot() });
    const content = Buffer.from('adopted after the caller verified it');
    const digest = digestOfBytes(content);
    const file = join(base, 'verified.spool');
    await writeFile(file, content);
    expect(await store.adoptVerifiedFile?.(file, { digest, size: content.length })).toBe(true);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    expect(await store.stat(digest)).toEqual({ digest, size: content.length });
    const other = await mkdtemp(join('/dev/shm', 'berth-other-fs-'));
    try {
      const elsewhere = join(other, 'verified.spool');
      await writeFile(elsewhere, 'x');
      // /dev/shm is a tmpfs: a rename across filesystems fails with EXDEV, so the caller must copy.
      expect(await store.adoptVerifiedFile?.(elsewhere, { digest: digestOfBytes(Buffer.from('x')), size: 1 })).toBe(false);
      expect((await stat(elsewhere)).size).toBe(1);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('offers no presigned URLs', () => {
    expect(createFsBlobStore({ root: freshRoot() }).presignedUrl).toBeUndefined();
  });
});
