export { BlobFills } from './blob-fills.js';
export { InProcessFillLock } from './fill-lock.js';
export type { FillLock, FillLockLease } from './fill-lock.js';
export { BlobSizeMismatchError, FillLockUnavailableError, FillWaitTimeoutError } from './errors.js';
export type { BlobFillsDeps, FillLogger, FillMetrics, FillRead, FillSource, FillSourceBlob, LockWaitOptions } from './types.js';
