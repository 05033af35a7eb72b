import type { BerthConfig } from '@berth/config';
import { createFsBlobStore, openS3BlobStore, type BlobStore } from '@berth/storage';
import type { Logger } from 'pino';

/** The configured blob store: S3, or the filesystem (the embedded default). */
export async function createBlobStore(config: BerthConfig, logger: Logger): Promise<BlobStore> {
  if (config.storage.driver === 's3') {
    const s3 = config.storage.s3;
    return openS3BlobStore({
      region: s3.region,
      bucket: s3.bucket,
      prefix: s3.prefix,
      forcePathStyle: s3.forcePathStyle,
      ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
      ...(s3.accessKeyId !== undefined ? { accessKeyId: s3.accessKeyId } : {}),
      ...(s3.secretAccessKey !== undefined ? { secretAccessKey: s3.secretAccessKey } : {}),
    });
  }
  const store = createFsBlobStore({ root: config.storage.fs.root });
  // Temp files a crash left behind are invisible to clients; reclaim their space in the background.
  store.sweepTempFiles().then(
    (removed) => { if (removed > 0) logger.info({ removed }, 'removed stale temporary blob files'); },
    (error: unknown) => logger.warn({ err: error }, 'could not sweep temporary blob files'),
  );
  return store;
}
