import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart } from '@aws-sdk/client-s3';
import type { S3Location } from './s3-client.js';

const CONTENT_TYPE = 'application/octet-stream';

/** One PutObject from a buffer (a known length, so no chunked transfer encoding). */
export async function putObject(at: S3Location, key: string, bytes: Buffer): Promise<void> {
  await at.client.send(
    new PutObjectCommand({ Bucket: at.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: CONTENT_TYPE }),
  );
}

/**
 * A multipart upload to a blob's final key. Nothing is visible under the key until complete();
 * abort() is best effort (s3rver does not implement it, and a dangling upload is invisible anyway;
 * on AWS a bucket lifecycle rule should expire incomplete multipart uploads).
 */
export class MultipartUpload {
  private readonly parts: CompletedPart[] = [];

  private constructor(
    private readonly at: S3Location,
    private readonly key: string,
    private readonly uploadId: string,
  ) {}

  static async start(at: S3Location, key: string): Promise<MultipartUpload> {
    const created = await at.client.send(new CreateMultipartUploadCommand({ Bucket: at.bucket, Key: key, ContentType: CONTENT_TYPE }));
    if (created.UploadId === undefined) throw new Error(`CreateMultipartUpload ${key}: no upload id in the answer`);
    return new MultipartUpload(at, key, created.UploadId);
  }

  async uploadPart(bytes: Buffer): Promise<void> {
    const partNumber = this.parts.length + 1;
    const answer = await this.at.client.send(
      new UploadPartCommand({
        Bucket: this.at.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber: partNumber,
        Body: bytes,
        ContentLength: bytes.length,
      }),
    );
    if (answer.ETag === undefined) throw new Error(`UploadPart ${this.key} #${partNumber}: no ETag in the answer`);
    this.parts.push({ ETag: answer.ETag, PartNumber: partNumber });
  }

  async complete(): Promise<void> {
    await this.at.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.at.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
  }

  async abort(): Promise<void> {
    try {
      await this.at.client.send(new AbortMultipartUploadCommand({ Bucket: this.at.bucket, Key: this.key, UploadId: this.uploadId }));
    } catch {
      // Best effort, see the class comment: the object never became visible.
    }
  }
}
