import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import { DigestMismatchError, NotFoundError, S3_PART_SIZE, UploadOffsetError, type BlobStore } from '@berth/storage';
import { MiB, digestOfBytes, failingStream, hashOf, patternBlob, patternSlice, readAll, streamOf } from './blob-sources.js';

/** The upload-session half of the BlobStore contract; `store` gives the store under test once it exists. */
export function describeUploadSessionCases(store: () => BlobStore): void {
  const bytes = (size: number) => randomBytes(size);

  describe('upload sessions', () => {
    const newId = () => randomUUID();

    it('assembles appended chunks into a blob on commit', async () => {
      const id = newId();
      const parts = [bytes(1_000), bytes(1), bytes(70_000), bytes(0), bytes(333)];
      const content = Buffer.concat(parts);
      const digest = digestOfBytes(content);
      await store().uploads.create(id);
      expect(await store().uploads.size(id)).toBe(0);
      let offset = 0;
      for (const part of parts) {
        const size = await store().uploads.append(id, offset, streamOf(part, 400));
        offset += part.length;
        expect(size).toBe(offset);
        expect(await store().uploads.size(id)).toBe(offset);
      }
      expect(await store().stat(digest)).toBeNull();
      expect(await store().uploads.commit(id, digest, content.length)).toEqual({ digest, size: content.length });
      expect((await readAll(await store().read(digest))).equals(content)).toBe(true);
      // Committing ends the session.
      await expect(store().uploads.size(id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('commits an empty session as the empty blob', async () => {
      const id = newId();
      const digest = digestOfBytes(new Uint8Array(0));
      await store().uploads.create(id);
      expect(await store().uploads.commit(id, digest, 0)).toEqual({ digest, size: 0 });
      expect(await store().stat(digest)).toEqual({ digest, size: 0 });
    });

    it('commits a session with a chunk larger than one part', async () => {
      const id = newId();
      const head = patternBlob(S3_PART_SIZE + MiB + 17, 50);
      const tail = bytes(4_321);
      await store().uploads.create(id);
      expect(await store().uploads.append(id, 0, head.stream())).toBe(head.size);
      expect(await store().uploads.append(id, head.size, streamOf(tail))).toBe(head.size + tail.length);
      const hash = createHash('sha256');
      for await (const chunk of head.stream()) hash.update(chunk as Buffer);
      hash.update(tail);
      const digest = `sha256:${hash.digest('hex')}`;
      expect(await store().uploads.commit(id, digest, head.size + tail.length)).toEqual({ digest, size: head.size + tail.length });
      expect(await hashOf(await store().read(digest))).toEqual({ digest, size: head.size + tail.length });
      const end = await readAll(await store().read(digest, { start: head.size - 2, end: head.size + 1 }));
      expect(end.equals(Buffer.concat([patternSlice(head.size, 50, head.size - 2, head.size - 1), tail.subarray(0, 2)]))).toBe(true);
    });

    it('keeps the session and shows no blob when commit gets the wrong digest', async () => {
      const id = newId();
      const content = bytes(5_000);
      const claimed = digestOfBytes(bytes(5_000));
      await store().uploads.create(id);
      await store().uploads.append(id, 0, streamOf(content));
      const error = await store().uploads.commit(id, claimed, content.length).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DigestMismatchError);
      expect((error as DigestMismatchError).actual).toBe(digestOfBytes(content));
      expect(await store().stat(claimed)).toBeNull();
      expect(await store().stat(digestOfBytes(content))).toBeNull();
      expect(await store().uploads.size(id)).toBe(content.length);
      await store().uploads.abort(id);
      await expect(store().uploads.size(id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('aborts a session, harmlessly when repeated or unknown', async () => {
      const id = newId();
      await store().uploads.create(id);
      await store().uploads.append(id, 0, streamOf(bytes(2_000)));
      await store().uploads.abort(id);
      await expect(store().uploads.size(id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().uploads.append(id, 0, streamOf(bytes(10)))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().uploads.commit(id, digestOfBytes(bytes(1)), 1)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().uploads.abort(id)).resolves.toBeUndefined();
      await expect(store().uploads.abort(newId())).resolves.toBeUndefined();
    });

    it('takes the recorded offset as the truth: bytes past it are dropped, fewer bytes are an error', async () => {
      const id = newId();
      const first = bytes(1_000);
      const leftover = bytes(300); // what a chunk interrupted by a crash left behind
      await store().uploads.create(id);
      await store().uploads.append(id, 0, streamOf(first));
      await store().uploads.append(id, 1_000, streamOf(leftover));
      for (const offset of [1_301, 5_000]) {
        const error = await store().uploads.append(id, offset, streamOf(bytes(10))).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UploadOffsetError);
        expect((error as UploadOffsetError).size).toBe(1_300);
      }
      expect(await store().uploads.size(id)).toBe(1_300);
      const second = bytes(24);
      expect(await store().uploads.append(id, 1_000, streamOf(second))).toBe(1_024);
      expect(await store().uploads.size(id)).toBe(1_024);
      const digest = digestOfBytes(Buffer.concat([first, second]));
      expect(await store().uploads.commit(id, digest, 1_024)).toEqual({ digest, size: 1_024 });
      expect((await readAll(await store().read(digest))).equals(Buffer.concat([first, second]))).toBe(true);
    });

    it('commits only the recorded bytes, dropping what an interrupted chunk left past them', async () => {
      const id = newId();
      const recorded = bytes(S3_PART_SIZE + 10);
      await store().uploads.create(id);
      await store().uploads.append(id, 0, streamOf(recorded));
      await store().uploads.append(id, recorded.length, streamOf(bytes(2_000)));
      const digest = digestOfBytes(recorded);
      expect(await store().uploads.commit(id, digest, recorded.length)).toEqual({ digest, size: recorded.length });
      expect(await hashOf(await store().read(digest))).toEqual({ digest, size: recorded.length });
      const short = newId();
      await store().uploads.create(short);
      await store().uploads.append(short, 0, streamOf(bytes(10)));
      await expect(store().uploads.commit(short, digestOfBytes(bytes(11)), 11)).rejects.toBeInstanceOf(UploadOffsetError);
    });

    it('refuses a chunk without destroying its source (a destroyed request loses its connection, and the 416 with it)', async () => {
      const id = newId();
      await store().uploads.create(id);
      const source = streamOf(bytes(10_000));
      const error = await store().uploads.append(id, 5, source).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadOffsetError);
      expect(source.destroyed).toBe(false);
      expect(await store().uploads.size(id)).toBe(0);
    });

    it('drops a chunk whose source fails midway', async () => {
      const id = newId();
      const first = bytes(3_000);
      await store().uploads.create(id);
      await store().uploads.append(id, 0, streamOf(first));
      await expect(store().uploads.append(id, 3_000, failingStream(50_000, 60))).rejects.toThrow('source broke midway');
      expect(await store().uploads.size(id)).toBe(3_000);
      await expect(store().uploads.commit(id, digestOfBytes(first), 3_000)).resolves.toEqual({ digest: digestOfBytes(first), size: 3_000 });
    });

    it('reports unknown sessions', async () => {
      const id = newId();
      await expect(store().uploads.size(id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().uploads.append(id, 0, streamOf(bytes(5)))).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().uploads.commit(id, digestOfBytes(bytes(5)), 5)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store().uploads.size('../../etc')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('starts a re-created session empty', async () => {
      const id = newId();
      await store().uploads.create(id);
      await store().uploads.append(id, 0, streamOf(bytes(100)));
      await store().uploads.create(id);
      expect(await store().uploads.size(id)).toBe(0);
    });
  });
}
