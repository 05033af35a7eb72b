import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openS3BlobStore, S3_PART_SIZE, type BlobStore } from '@berth/storage';
import { startS3, type TestS3 } from '../harness/s3.js';
import { describeBlobStoreContract } from './blob-store-contract.js';
import { MiB, digestOfBytes, failingStream, patternBlob, streamOf } from './blob-sources.js';

let s3: TestS3;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

let stores = 0;
/** Every store gets its own prefix in the shared bucket, so stores never see each other's keys. */
function freshStore(prefix = `store-${(stores += 1)}/`): Promise<BlobStore> {
  return openS3BlobStore({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix,
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
}

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key ?? '').sort();
}

describeBlobStoreContract('S3 (s3rver)', () => freshStore());

describe('S3 driver specifics', () => {
  it('keys blobs as <prefix>blobs/<alg>/<xx>/<hex>, and adds a missing / to the prefix', async () => {
    const store = await freshStore('no-slash');
    const content = Buffer.from('layout check');
    const digest = digestOfBytes(content);
    const hex = digest.slice('sha256:'.length);
    await store.write(streamOf(content), { expected: digest });
    expect(await keysUnder('no-slash')).toEqual([`no-slash/blobs/sha256/${hex.slice(0, 2)}/${hex}`]);
  });

  it('keeps upload chunks as objects named by zero-padded offset and removes them on commit', async () => {
    const store = await freshStore('uploads-layout/');
    const id = randomUUID();
    const session = `uploads-layout/uploads/${id}/`;
    await store.uploads.create(id);
    expect(await keysUnder(session)).toEqual([`${session}session`]);
    const big = patternBlob(S3_PART_SIZE + 5, 8);
    await store.uploads.append(id, 0, big.stream());
    await store.uploads.append(id, big.size, streamOf(Buffer.from('tail')));
    expect(await keysUnder(session)).toEqual([
      `${session}0000000000000000`,
      `${session}${String(S3_PART_SIZE).padStart(16, '0')}`,
      `${session}${String(S3_PART_SIZE + 5).padStart(16, '0')}`,
      `${session}session`,
    ]);
    await store.uploads.abort(id);
    expect(await keysUnder(session)).toEqual([]);
  });

  it('makes nothing visible under blobs/ when a multipart write fails or mismatches', async () => {
    const store = await freshStore('failed-writes/');
    const whole = patternBlob(2 * S3_PART_SIZE + MiB, 9);
    await expect(store.write(failingStream(2 * S3_PART_SIZE + 10, 9), { expected: whole.digest })).rejects.toThrow('source broke midway');
    await expect(store.write(whole.stream(), { expected: digestOfBytes(Buffer.from('other')) })).rejects.toThrow('digest mismatch');
    expect(await keysUnder('failed-writes/')).toEqual([]);
  });

  it('hands out presigned URLs a plain fetch can GET, until they expire', async () => {
    const store = await freshStore();
    const content = Buffer.from('fetched straight from the bucket');
    const digest = digestOfBytes(content);
    await store.write(streamOf(content), { expected: digest });
    const url = await store.presignedUrl?.(digest, 60);
    expect(url).toMatch(new RegExp(`^${s3.endpoint}/${s3.bucket}/.*X-Amz-Signature=`));
    const response = await fetch(url ?? '');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);

    const shortLived = await store.presignedUrl?.(digest, 1);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await fetch(shortLived ?? '');
    expect(expired.status).toBe(403);
    await expired.arrayBuffer();
  });

  it('uses a client it is given', async () => {
    const store = await openS3BlobStore({ region: s3.region, bucket: s3.bucket, prefix: 'given-client/', client });
    const content = Buffer.from('through the given client');
    const digest = digestOfBytes(content);
    await store.write(streamOf(content), { expected: digest });
    expect(await store.stat(digest)).toEqual({ digest, size: content.length });
  });

  it('fails ping when the bucket does not exist', async () => {
    const store = await openS3BlobStore({ region: s3.region, bucket: `missing-${randomUUID()}`, client });
    await expect(store.ping()).rejects.toThrow();
  });
});
