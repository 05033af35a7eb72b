import { isDigestAlgorithm, parseDigest } from '@berth/oci';
import type { DigestAlgorithm, ParsedDigest } from '@berth/oci';
import type { DigestString } from './blob-store.js';

/**
 * Where a blob lives, relative to the store's root (fs) or key prefix (S3):
 * `blobs/<algorithm>/<first two hex>/<hex>`. Always '/'-separated.
 */
export function blobKey(digest: DigestString | ParsedDigest): string {
  const parsed = typeof digest === 'string' ? parseDigest(digest) : digest;
  return `blobs/${parsed.algorithm}/${parsed.hex.slice(0, 2)}/${parsed.hex}`;
}

/** The algorithm a write hashes with: the expected digest's, else the requested one, else sha256. */
export function writeAlgorithm(options: { expected?: DigestString; algorithm?: DigestAlgorithm }): DigestAlgorithm {
  if (options.expected !== undefined) {
    const parsed = parseDigest(options.expected);
    if (options.algorithm !== undefined && options.algorithm !== parsed.algorithm) {
      throw new Error(`algorithm ${options.algorithm} does not match expected digest ${options.expected}`);
    }
    return parsed.algorithm;
  }
  const algorithm = options.algorithm ?? 'sha256';
  if (!isDigestAlgorithm(algorithm)) throw new Error(`unsupported digest algorithm: ${String(algorithm)}`);
  return algorithm;
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Upload ids become file names and key segments, so only a safe alphabet is accepted
 * (UUIDs and random tokens fit); anything else cannot name a session.
 */
export function isUploadId(id: string): boolean {
  return typeof id === 'string' && UPLOAD_ID.test(id);
}

export function assertUploadId(id: string): void {
  if (!isUploadId(id)) throw new Error(`invalid upload id: ${JSON.stringify(String(id).slice(0, 200))}`);
}

const OFFSET_DIGITS = 16;

/** Chunk names sort in offset order as plain strings: the offset zero-padded to 16 digits. */
export function chunkName(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/** The offset a chunk name encodes, or undefined for any other name (such as the session marker). */
export function parseChunkName(name: string): number | undefined {
  if (name.length !== OFFSET_DIGITS || !/^\d+$/.test(name)) return undefined;
  return Number(name);
}
