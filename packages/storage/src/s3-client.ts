import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { toBuffer } from './chunks.js';

export interface S3BlobStoreOptions {
  /** Custom endpoint (MinIO, s3rver, ...); omitted for AWS. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket; a missing trailing '/' is added. */
  prefix?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** A ready client (then endpoint, region and credentials above are not used to build one). */
  client?: S3Client;
}

/** The bucket and key prefix a store works in, with the client that reaches them. */
export interface S3Location {
  client: S3Client;
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
}

export function createS3Client(options: S3BlobStoreOptions): S3Client {
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle ?? false,
    // Only the checksums S3 insists on: other S3 implementations reject or mishandle the rest.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) {
    config.credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  }
  return new S3Client(config);
}

export function s3Location(options: S3BlobStoreOptions): S3Location {
  if (typeof options.bucket !== 'string' || options.bucket === '') throw new Error('s3 blob store: bucket is required');
  const raw = options.prefix ?? '';
  const prefix = raw === '' || raw.endsWith('/') ? raw : `${raw}/`;
  return { client: options.client ?? createS3Client(options), bucket: options.bucket, prefix };
}

/** A missing object: HEAD answers a bodiless 404 (NotFound), GET a NoSuchKey error. */
export function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey');
}

/** GetObject as a Node stream; `range` is an explicit inclusive range (never a suffix range). */
export async function getObjectStream(at: S3Location, key: string, range?: { start: number; end: number }): Promise<Readable> {
  const response = await at.client.send(
    new GetObjectCommand({
      Bucket: at.bucket,
      Key: key,
      ...(range !== undefined ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    }),
  );
  const body = response.Body;
  if (!(body instanceof Readable)) throw new Error(`GetObject ${key}: expected a Node stream body`);
  if (range === undefined) return body;
  const wanted = range.end - range.start + 1;
  if (response.ContentLength === undefined || response.ContentLength <= wanted) return body;
  // s3rver reads `bytes=0-0` as "from 0 to the end": keep only what was asked for.
  const served = /^bytes (\d+)-/.exec(response.ContentRange ?? '');
  if (served === null || Number(served[1]) !== range.start) {
    body.destroy();
    throw new Error(`GetObject ${key}: asked for bytes ${range.start}-${range.end}, got ${response.ContentRange ?? 'no Content-Range'}`);
  }
  return Readable.from(firstBytes(body, wanted));
}

async function* firstBytes(source: Readable, count: number): AsyncGenerator<Buffer, void, undefined> {
  let left = count;
  for await (const chunk of source) {
    const bytes = toBuffer(chunk);
    if (bytes.length >= left) {
      yield bytes.subarray(0, left);
      return; // leaving the loop destroys the rest of the response
    }
    yield bytes;
    left -= bytes.length;
  }
}

export interface ListedObject {
  key: string;
  size: number;
}

/** Every object under `keyPrefix`, following continuation tokens, in key order. */
export async function listObjects(at: S3Location, keyPrefix: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await at.client.send(
      new ListObjectsV2Command({ Bucket: at.bucket, Prefix: keyPrefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
    );
    for (const item of page.Contents ?? []) {
      if (item.Key !== undefined) objects.push({ key: item.Key, size: item.Size ?? 0 });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Delete objects one at a time: s3rver's DeleteObjects removes keys concurrently and races on
 * cleaning up the directories it emptied, so the batch call is not used.
 */
export async function deleteObjects(at: S3Location, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    await at.client.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: key }));
  }
}
