import { OciError } from '@berth/oci';
import { DigestMismatchError, NotFoundError, RangeNotSatisfiableError, StorageFullError } from '@berth/storage';

/** Translate storage-layer errors into the OCI errors a client should see; rethrow anything else. */
export function mapStorageError(error: unknown, context: { digest?: string; upload?: string } = {}): never {
  if (error instanceof DigestMismatchError) {
    throw new OciError('DIGEST_INVALID', error.message, { detail: { expected: error.expected, actual: error.actual }, cause: error });
  }
  if (error instanceof RangeNotSatisfiableError) {
    throw new OciError('RANGE_INVALID', error.message, { headers: { 'Content-Range': `bytes */${error.size}` }, cause: error });
  }
  if (error instanceof StorageFullError) throw storageFull(error);
  if (error instanceof NotFoundError) {
    if (context.upload !== undefined) throw new OciError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { uuid: context.upload }, cause: error });
    throw new OciError('BLOB_UNKNOWN', undefined, { detail: { digest: context.digest }, cause: error });
  }
  throw error;
}

/**
 * 507 Insufficient Storage (RFC 4918, what other registries answer) with code UNAVAILABLE: the
 * write may succeed later, once space is freed. Nothing of it was kept.
 */
export function storageFull(error: { message: string; code?: unknown }): OciError {
  return new OciError('UNAVAILABLE', `storage full: ${error.message}`, {
    status: 507,
    detail: { dependency: 'storage', ...(typeof error.code === 'string' ? { code: error.code } : {}) },
    cause: error,
  });
}
