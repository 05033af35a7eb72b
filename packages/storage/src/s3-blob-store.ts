import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseDigest } from '@berth/oci';
import { NotFoundError } from './blob-store.js';
import type { BlobInfo, BlobStore, ByteRange, DigestString, UploadStore } from './blob-store.js';
import { blobKey, writeAlgorithm } from './layout.js';
import { resolveRange } from './read-range.js';
import { getObjectStream, isNotFound, s3Location } from './s3-client.js';
import type { S3BlobStoreOptions, S3Location } from './s3-client.js';
import { publishComputed, publishVerified } from './s3-publish.js';
import { S3UploadStore } from './s3-upload-store.js';

/** Blobs as S3 objects under `<prefix>blobs/<alg>/<xx>/<hex>`, upload sessions under `<prefix>uploads/<id>/`. */
class S3BlobStore implements BlobStore {
  readonly uploads: UploadStore;

  constructor(
    private readonly at: S3Location,
    private readonly spoolDir: string,
  ) {
    this.uploads = new S3UploadStore(at);
  }

  private key(digest: DigestString): string {
    return this.at.prefix + blobKey(digest);
  }

  async stat(digest: DigestString): Promise<BlobInfo | null> {
    try {
      const head = await this.at.client.send(new HeadObjectCommand({ Bucket: this.at.bucket, Key: this.key(digest) }));
      return { digest, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async read(digest: DigestString, range?: ByteRange): Promise<Readable> {
    try {
      if (range === undefined) return await getObjectStream(this.at, this.key(digest));
      const info = await this.stat(digest);
      if (info === null) throw new NotFoundError(`blob ${digest}`);
      return await getObjectStream(this.at, this.key(digest), resolveRange(range, info.size));
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`blob ${digest}`);
      throw error;
    }
  }

  async write(source: Readable, options: { expected?: DigestString; algorithm?: 'sha256' | 'sha512' } = {}): Promise<BlobInfo> {
    const algorithm = writeAlgorithm(options);
    try {
      if (options.expected !== undefined) return await publishVerified(this.at, source, parseDigest(options.expected));
      return await publishComputed(this.at, source, algorithm, this.spoolDir);
    } finally {
      // An early failure (bad digest, S3 error) must not leave the caller's stream open.
      if (!source.destroyed) source.destroy();
    }
  }

  async delete(digest: DigestString): Promise<boolean> {
    // DeleteObject answers 204 whether or not the key existed, so ask first.
    if ((await this.stat(digest)) === null) return false;
    await this.at.client.send(new DeleteObjectCommand({ Bucket: this.at.bucket, Key: this.key(digest) }));
    return true;
  }

  async presignedUrl(digest: DigestString, expiresInSeconds: number): Promise<string | undefined> {
    const command = new GetObjectCommand({ Bucket: this.at.bucket, Key: this.key(digest) });
    return getSignedUrl(this.at.client, command, { expiresIn: expiresInSeconds });
  }

  async ping(): Promise<void> {
    await this.at.client.send(new HeadBucketCommand({ Bucket: this.at.bucket }));
  }
}

export type { S3BlobStoreOptions } from './s3-client.js';

export function createS3BlobStore(options: S3BlobStoreOptions & { spoolDir?: string }): BlobStore {
  return new S3BlobStore(s3Location(options), options.spoolDir ?? tmpdir());
}
