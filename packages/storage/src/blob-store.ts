import type { Readable } from 'node:stream';

/** A digest string as `algorithm:hex` (sha256 or sha512), already validated by the caller. */
export type DigestString = string;

export interface BlobInfo {
  digest: DigestString;
  size: number;
}

/** Inclusive byte range, as in HTTP: bytes start..end. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Thrown by BlobStore.write / UploadStore.commit when the content does not hash to the expected digest. */
export class DigestMismatchError extends Error {
  constructor(readonly expected: DigestString, readonly actual: DigestString) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/**
 * Thrown by UploadStore.append and commit when the session holds fewer bytes (`size`) than the
 * offset its caller recorded: bytes were lost, and the session cannot be continued.
 */
export class UploadOffsetError extends Error {
  constructor(readonly id: string, readonly offset: number, readonly size: number) {
    super(`upload ${id}: ${offset} bytes were recorded but the session holds only ${size}`);
    this.name = 'UploadOffsetError';
  }
}

/** Thrown by BlobStore.read when the range starts past the end of the blob or ends before it starts. */
export class RangeNotSatisfiableError extends Error {
  constructor(readonly range: ByteRange, readonly size: number) {
    super(`range ${range.start}-${range.end} not satisfiable for a blob of ${size} bytes`);
    this.name = 'RangeNotSatisfiableError';
  }
}

/** Thrown when a blob or upload session does not exist. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

/**
 * A write failed because the storage is full (ENOSPC) or over quota (EDQUOT). Nothing of the write
 * is visible; the registry answers 507 and reports the storage not ready for a while.
 */
export class StorageFullError extends Error {
  readonly code: 'ENOSPC' | 'EDQUOT';

  constructor(code: 'ENOSPC' | 'EDQUOT', where: string, options: { cause?: unknown } = {}) {
    super(`${code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device'} (${code}) writing to ${where}`, { cause: options.cause });
    this.name = 'StorageFullError';
    this.code = code;
  }
}

/**
 * Content-addressed blob storage. A blob is visible (stat/read) only after its bytes were fully
 * written and hashed to its digest; a crash mid-write never leaves a visible partial blob.
 * Every method streams: memory use does not grow with blob size.
 */
export interface BlobStore {
  /** Size of a stored blob, or null when absent. */
  stat(digest: DigestString): Promise<BlobInfo | null>;
  /**
   * Stream a stored blob (or an inclusive range of it; an end past the last byte is clamped).
   * Throws NotFoundError when absent, RangeNotSatisfiableError for a range outside the blob.
   */
  read(digest: DigestString, range?: ByteRange): Promise<Readable>;
  /**
   * Stream `source` into the store while hashing it with `algorithm` (default from `expected`, else sha256).
   * When `expected` is given and the content hashes differently, nothing becomes visible and
   * DigestMismatchError is thrown. Writing a blob that already exists is harmless.
   */
  write(source: Readable, options?: { expected?: DigestString; algorithm?: 'sha256' | 'sha512' }): Promise<BlobInfo>;
  /**
   * Move a local file the caller has already verified to hash to `info.digest` into the store
   * (atomically, on the same filesystem). False when this store cannot take it that way (another
   * filesystem, or not a filesystem store): the caller then streams it through `write`.
   */
  adoptVerifiedFile?(path: string, info: BlobInfo): Promise<boolean>;
  /** Remove a blob; false when it was not there. */
  delete(digest: DigestString): Promise<boolean>;
  /** A time-limited URL a client can GET the blob from directly (S3 only; undefined when unsupported). */
  presignedUrl?(digest: DigestString, expiresInSeconds: number): Promise<string | undefined>;
  /** Upload sessions: chunked uploads kept in the same backend until committed. */
  readonly uploads: UploadStore;
  /** Reachability check for readiness probes. */
  ping(): Promise<void>;
}

/**
 * Upload sessions hold the bytes of an in-progress chunked upload. Chunks arrive in order; the
 * caller tracks the offset in the database, lets one writer at a time write a session, and passes
 * the recorded offset to every call. That offset is the truth: bytes past it are what a chunk
 * interrupted by a crash left behind, and are dropped before the session is written or committed.
 */
export interface UploadStore {
  /** Create an empty session. */
  create(id: string): Promise<void>;
  /**
   * Append a chunk at `offset` (bytes past it dropped first; fewer bytes than `offset`:
   * UploadOffsetError). Returns the new size. When `source` fails midway the session is left as it
   * was before the call. A `source` that is never read (an error before the write) is left to the caller.
   */
  append(id: string, offset: number, source: Readable): Promise<number>;
  /** Bytes in the session, crash leftovers included; NotFoundError when the session does not exist. */
  size(id: string): Promise<number>;
  /**
   * Verify the session's first `size` bytes (the recorded offset; anything past it is dropped)
   * hash to `expected` and publish them as that blob (atomically), then remove the session.
   * DigestMismatchError leaves no blob visible (the session is kept so the caller can decide; call
   * abort to drop it). `hashed`, when given, is the digest of those `size` bytes as the caller
   * hashed them while they were appended (and knows nobody wrote to the session since): a store
   * that need not copy the bytes then checks `expected` against it instead of reading them back.
   */
  commit(id: string, expected: DigestString, size: number, hashed?: BlobInfo): Promise<BlobInfo>;
  /** Drop a session and its bytes; harmless when absent. */
  abort(id: string): Promise<void>;
}
