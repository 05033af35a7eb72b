export { DigestMismatchError, NotFoundError, RangeNotSatisfiableError, UploadOffsetError } from './blob-store.js';
export type { BlobInfo, BlobStore, ByteRange, DigestString, UploadStore } from './blob-store.js';

export { createFsBlobStore } from './fs-blob-store.js';
export type { FsBlobStore, FsBlobStoreOptions } from './fs-blob-store.js';

export { createS3BlobStore } from './s3-blob-store.js';
export type { S3BlobStoreOptions } from './s3-blob-store.js';
export { PART_SIZE as S3_PART_SIZE } from './s3-publish.js';

export { blobKey } from './layout.js';
