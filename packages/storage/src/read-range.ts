import { RangeNotSatisfiableError } from './blob-store.js';
import type { ByteRange } from './blob-store.js';

/**
 * Check an inclusive range against a blob of `size` bytes and clamp its end to the last byte.
 * Drivers compute explicit ranges from this (never suffix ranges, which some S3 servers get wrong).
 */
export function resolveRange(range: ByteRange, size: number): ByteRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || start >= size) {
    throw new RangeNotSatisfiableError(range, size);
  }
  return { start, end: Math.min(end, size - 1) };
}
