import type { BlobStore } from './blob-store.js';
import type { S3BlobStoreOptions } from './s3-client.js';

/**
 * The S3 driver, loaded on first use: the AWS SDK adds ~23 MB of resident memory, which a
 * filesystem-backed Berth should not pay.
 */
export async function openS3BlobStore(options: S3BlobStoreOptions & { spoolDir?: string }): Promise<BlobStore> {
  const { createS3BlobStore } = await import('./s3-blob-store.js');
  return createS3BlobStore(options);
}
