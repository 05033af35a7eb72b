import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDigester, digestOf, parseDigest } from '@berth/oci';
import type { DigestAlgorithm, ParsedDigest } from '@berth/oci';
import type { BlobInfo } from './blob-store.js';
import { readPieces } from './chunks.js';
import { assertExpectedDigest, HashingTransform } from './hashing.js';
import { blobKey } from './layout.js';
import type { S3Location } from './s3-client.js';
import { MultipartUpload, putObject } from './s3-multipart.js';
import { S3_PART_SIZE } from './s3-part-size.js';

/** Bytes held in memory per write, and the size of every multipart part but the last. */
export const PART_SIZE = S3_PART_SIZE;

/**
 * Stream `source` to the key of `expected`, hashing as it goes; the blob becomes visible only once
 * the digest matched. A blob that fits one part is a single PutObject after hashing; a larger one
 * goes to the final key as a multipart upload that is completed only after the match (and
 * aborted otherwise). Memory: one part buffer.
 */
export async function publishVerified(at: S3Location, source: AsyncIterable<unknown>, expected: ParsedDigest): Promise<BlobInfo> {
  const key = at.prefix + blobKey(expected);
  const digester = createDigester(expected.algorithm);
  let size = 0;
  let multipart: MultipartUpload | undefined;
  try {
    for await (const { bytes, last } of readPieces(source, PART_SIZE)) {
      digester.update(bytes);
      size += bytes.length;
      if (last) assertExpectedDigest(expected.digest, digester.digest());
      if (last && multipart === undefined) {
        await putObject(at, key, bytes);
        return { digest: expected.digest, size };
      }
      multipart ??= await MultipartUpload.start(at, key);
      await multipart.uploadPart(bytes);
      if (last) {
        await multipart.complete();
        return { digest: expected.digest, size };
      }
    }
    throw new Error('blob source ended without a final piece');
  } catch (error) {
    await multipart?.abort();
    throw error;
  }
}

/**
 * Store content whose digest is not known in advance. One part or less: hash in memory, then
 * PutObject. Larger: the final key is unknown until the end, so spool to a local file while
 * hashing, then publish the file under its digest.
 */
export async function publishComputed(
  at: S3Location,
  source: AsyncIterable<unknown>,
  algorithm: DigestAlgorithm,
  spoolDir: string,
): Promise<BlobInfo> {
  const pieces = readPieces(source, PART_SIZE);
  let spool: string | undefined;
  try {
    const first = await pieces.next();
    if (first.done === true) throw new Error('blob source ended without a final piece');
    if (first.value.last) {
      const bytes = first.value.bytes;
      const digest = digestOf(bytes, algorithm);
      await putObject(at, at.prefix + blobKey(digest), bytes);
      return { digest, size: bytes.length };
    }
    spool = await mkdtemp(join(spoolDir, 'berth-s3-spool-'));
    const file = join(spool, 'blob');
    const hashing = new HashingTransform(algorithm);
    const firstBytes = first.value.bytes;
    await pipeline(
      async function* () {
        yield firstBytes;
        for await (const piece of pieces) yield piece.bytes;
      },
      hashing,
      createWriteStream(file, { flags: 'wx' }),
    );
    return await publishVerified(at, createReadStream(file), parseDigest(hashing.result().digest));
  } finally {
    await pieces.return(undefined);
    if (spool !== undefined) await rm(spool, { recursive: true, force: true });
  }
}
