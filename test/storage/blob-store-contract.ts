import { randomBytes } from 'node:crypto';
import { describe, it, expect, beforeAll } from '@jest/globals';
import {
  DigestMismatchError,
  NotFoundError,
  RangeNotSatisfiableError,
  S3_PART_SIZE,
  type BlobStore,
} from '@berth/storage';
import { describeUploadSessionCases } from './upload-store-contract-cases.js';
import { MiB, digestOfBytes, failingStream, hashOf, patternBlob, patternSlice, readAll, streamOf } from './blob-sources.js';

/**
 * The behaviour every BlobStore driver must have. Each driver's test file calls this with a
 * factory giving a fresh, empty store (its own directory, bucket or prefix).
 */
export function describeBlobStoreContract(name: string, factory: () => BlobStore | Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeAll(async () => {
      store = await factory();
    });

    const bytes = (size: number) => randomBytes(size);

    describe('blobs', () => {
      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('writes, stats and reads back a sha256 blob', async () => {
        const content = bytes(10_000);
        const digest = digestOfBytes(content);
        expect(await store.stat(digest)).toBeNull();
        expect(await store.write(streamOf(content), { expected: digest })).toEqual({ digest, size: content.length });
        expect(await store.stat(digest)).toEqual({ digest, size: content.length });
        expect((await readAll(await store.read(digest))).equals(content)).toBe(true);
      });

      it('writes and reads back a sha512 blob, with or without the expected digest', async () => {
        const content = bytes(5_000);
        const digest = digestOfBytes(content, 'sha512');
        expect(await store.write(streamOf(content), { algorithm: 'sha512' })).toEqual({ digest, size: content.length });
        expect(await store.write(streamOf(content), { expected: digest })).toEqual({ digest, size: content.length });
        expect(await store.stat(digest)).toEqual({ digest, size: content.length });
        expect((await readAll(await store.read(digest))).equals(content)).toBe(true);
        expect(await store.stat(digestOfBytes(content))).toBeNull();
      });

      it('computes the sha256 digest when none is expected', async () => {
        const content = bytes(3_000);
        const info = await store.write(streamOf(content));
        expect(info).toEqual({ digest: digestOfBytes(content), size: content.length });
        expect((await readAll(await store.read(info.digest))).equals(content)).toBe(true);
      });

      it('stores an empty blob', async () => {
        const digest = digestOfBytes(new Uint8Array(0));
        expect(await store.write(streamOf(new Uint8Array(0)), { expected: digest })).toEqual({ digest, size: 0 });
        expect(await store.stat(digest)).toEqual({ digest, size: 0 });
        expect((await readAll(await store.read(digest))).length).toBe(0);
      });

      it('rejects content that does not match the expected digest and shows nothing', async () => {
        const content = bytes(4_000);
        const claimed = digestOfBytes(bytes(10));
        const error = await store.write(streamOf(content), { expected: claimed }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DigestMismatchError);
        expect((error as DigestMismatchError).expected).toBe(claimed);
        expect((error as DigestMismatchError).actual).toBe(digestOfBytes(content));
        expect(await store.stat(claimed)).toBeNull();
        expect(await store.stat(digestOfBytes(content))).toBeNull();
        await expect(store.read(claimed)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('reads ranges: start, middle, end, a single byte, an end past the blob', async () => {
        const content = bytes(1_000);
        const digest = digestOfBytes(content);
        await store.write(streamOf(content), { expected: digest });
        const range = async (start: number, end: number) => readAll(await store.read(digest, { start, end }));
        expect((await range(0, 99)).equals(content.subarray(0, 100))).toBe(true);
        expect((await range(400, 649)).equals(content.subarray(400, 650))).toBe(true);
        expect((await range(900, 999)).equals(content.subarray(900))).toBe(true);
        expect((await range(0, 0)).equals(content.subarray(0, 1))).toBe(true);
        expect((await range(999, 999)).equals(content.subarray(999))).toBe(true);
        expect((await range(517, 517)).equals(content.subarray(517, 518))).toBe(true);
        expect((await range(990, 5_000)).equals(content.subarray(990))).toBe(true);
      });

      it('refuses ranges outside the blob', async () => {
        const content = bytes(100);
        const digest = digestOfBytes(content);
        await store.write(streamOf(content), { expected: digest });
        await expect(store.read(digest, { start: 100, end: 120 })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
        await expect(store.read(digest, { start: 50, end: 10 })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
      });

      it('reports a missing blob', async () => {
        const digest = digestOfBytes(bytes(16));
        expect(await store.stat(digest)).toBeNull();
        await expect(store.read(digest)).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.read(digest, { start: 0, end: 3 })).rejects.toBeInstanceOf(NotFoundError);
      });

      it('deletes a blob', async () => {
        const content = bytes(2_000);
        const digest = digestOfBytes(content);
        await store.write(streamOf(content), { expected: digest });
        expect(await store.delete(digest)).toBe(true);
        expect(await store.stat(digest)).toBeNull();
        await expect(store.read(digest)).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.delete(digest)).toBe(false);
      });

      it('lets concurrent writes of the same blob both succeed with the content intact', async () => {
        const blob = patternBlob(3 * MiB, 7);
        const results = await Promise.all([
          store.write(blob.stream(), { expected: blob.digest }),
          store.write(blob.stream(), { expected: blob.digest }),
          store.write(blob.stream()),
        ]);
        for (const info of results) expect(info).toEqual({ digest: blob.digest, size: blob.size });
        expect(await store.stat(blob.digest)).toEqual({ digest: blob.digest, size: blob.size });
        expect(await hashOf(await store.read(blob.digest))).toEqual({ digest: blob.digest, size: blob.size });
      });

      it('rewrites an existing blob harmlessly', async () => {
        const content = bytes(700);
        const digest = digestOfBytes(content);
        await store.write(streamOf(content), { expected: digest });
        expect(await store.write(streamOf(content), { expected: digest })).toEqual({ digest, size: 700 });
        expect((await readAll(await store.read(digest))).equals(content)).toBe(true);
      });

      it('leaves nothing visible when the source fails midway', async () => {
        const small = patternBlob(200_000, 11);
        await expect(store.write(failingStream(100_000, 11), { expected: small.digest })).rejects.toThrow('source broke midway');
        expect(await store.stat(small.digest)).toBeNull();
        await expect(store.write(failingStream(100_000, 11))).rejects.toThrow('source broke midway');
      });
    });

    describe(`blobs larger than one S3 part (${S3_PART_SIZE / MiB} MiB)`, () => {
      const big = patternBlob(20 * MiB, 42);

      it('streams a 20 MiB blob in and out, whole and by ranges', async () => {
        expect(await store.write(big.stream(), { expected: big.digest })).toEqual({ digest: big.digest, size: big.size });
        expect(await store.stat(big.digest)).toEqual({ digest: big.digest, size: big.size });
        expect(await hashOf(await store.read(big.digest))).toEqual({ digest: big.digest, size: big.size });
        // Across a part boundary, and the last bytes.
        const start = S3_PART_SIZE - 10;
        const across = await readAll(await store.read(big.digest, { start, end: start + 19 }));
        expect(across.equals(patternSlice(big.size, 42, start, start + 19))).toBe(true);
        const tail = await readAll(await store.read(big.digest, { start: big.size - 5, end: big.size - 1 }));
        expect(tail.equals(patternSlice(big.size, 42, big.size - 5, big.size - 1))).toBe(true);
      });

      it('stores a large blob whose digest is not known in advance', async () => {
        const other = patternBlob(9 * MiB + 123, 43);
        expect(await store.write(other.stream())).toEqual({ digest: other.digest, size: other.size });
        expect(await hashOf(await store.read(other.digest))).toEqual({ digest: other.digest, size: other.size });
      });

      it('rejects a large blob with the wrong digest and shows nothing', async () => {
        const claimed = patternBlob(10, 44).digest;
        const other = patternBlob(17 * MiB, 45);
        await expect(store.write(other.stream(), { expected: claimed })).rejects.toBeInstanceOf(DigestMismatchError);
        expect(await store.stat(claimed)).toBeNull();
        expect(await store.stat(other.digest)).toBeNull();
      });

      it('leaves nothing visible when a large source fails after several parts', async () => {
        const whole = patternBlob(20 * MiB, 46);
        await expect(store.write(failingStream(18 * MiB, 46), { expected: whole.digest })).rejects.toThrow('source broke midway');
        expect(await store.stat(whole.digest)).toBeNull();
        await expect(store.read(whole.digest)).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describeUploadSessionCases(() => store);
  });
}
