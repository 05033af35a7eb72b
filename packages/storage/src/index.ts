export { DigestMismatchError, NotFoundError, RangeNotSatisfiableError, StorageFullError, UploadOffsetError } from './blob-store.js';
export { isNoSpaceError } from './fs-space.js';
export type { BlobInfo, BlobStore, ByteRange, DigestString, UploadStore } from './blob-store.js';

export { chunksAsPushed } from './chunks-as-pushed.js';
export { endAfterSend, isDirectSendable } from './file-body.js';
export type { DirectSendable } from './file-body.js';
export { WritePool } from './write-pool.js';

export { createFsBlobStore } from './fs-blob-store.js';
export type { FsBlobStore, FsBlobStoreOptions } from './fs-blob-store.js';

export { openS3BlobStore } from './open-s3-blob-store.js';
export type { S3BlobStoreOptions } from './s3-client.js';
export { S3_PART_SIZE } from './s3-part-size.js';

export { blobKey } from './layout.js';
