import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DigestMismatchError } from './blob-store.js';
import { createFsBlobStore, type FsBlobStore } from './fs-blob-store.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const content = Buffer.from('the bytes of one upload session');

let base: string;
let store: FsBlobStore;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-fs-upload-'));
  store = createFsBlobStore({ root: base });
});

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

async function session(): Promise<string> {
  const id = randomUUID();
  await store.uploads.create(id);
  await store.uploads.append(id, 0, Readable.from([content]));
  return id;
}

describe('FsUploadStore.commit with the digest hashed while appending', () => {
  it('publishes under the expected digest when the hashed digest is that', async () => {
    const id = await session();
    const digest = sha256(content);
    expect(await store.uploads.commit(id, digest, content.length, { digest, size: content.length })).toEqual({ digest, size: content.length });
    expect(await store.stat(digest)).toEqual({ digest, size: content.length });
  });

  it('does not read the session back: the hashed digest is what it checks and publishes under', async () => {
    const id = await session();
    // A caller's hash that disagrees with the bytes shows the bytes were not hashed again.
    const other = sha256(Buffer.from('not these bytes'));
    expect(await store.uploads.commit(id, other, content.length, { digest: other, size: content.length })).toEqual({ digest: other, size: content.length });
    await store.delete(other);
  });

  it('refuses an expected digest the hashed one differs from, and publishes nothing', async () => {
    const id = await session();
    const claimed = sha256(Buffer.from('something else'));
    await expect(store.uploads.commit(id, claimed, content.length, { digest: sha256(content), size: content.length })).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await store.stat(claimed)).toBeNull();
  });

  it('reads the session back when the hashed size is not the committed size', async () => {
    const id = await session();
    const short = content.subarray(0, 10);
    // The hash claims the whole session hashed to `short`'s digest, but covers other bytes: ignored.
    await expect(store.uploads.commit(id, sha256(short), short.length, { digest: sha256(short), size: content.length })).resolves.toEqual({ digest: sha256(short), size: 10 });
    const wrong = await session();
    await expect(store.uploads.commit(wrong, sha256(short), content.length, { digest: sha256(short), size: 10 })).rejects.toBeInstanceOf(DigestMismatchError);
  });
});
