import { OciError } from './errors.js';

/** An inclusive byte range: `end` is the last byte served. */
export interface ByteRange {
  start: number;
  end: number;
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative integer, got ${size}`);
}

const BYTES_RANGE = /^\s*bytes\s*=\s*(.*)$/i;
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Reads a `Range` request header (RFC 9110 §14.2) against a representation of `size` bytes.
 * - undefined: serve the whole content with 200. That covers no header, another unit, bad
 *   syntax, and several ranges: RFC 9110 lets a server ignore Range, and one full answer is
 *   safer for clients than a multipart body Berth does not produce.
 * - 'unsatisfiable': answer 416 with `Content-Range: bytes *\/size`.
 * - { start, end }: answer 206 for that inclusive range, clamped to the content.
 * A suffix range on empty content selects nothing, so it is ignored as well.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  assertSize(size);
  if (header === undefined) return undefined;
  const unit = BYTES_RANGE.exec(header);
  if (unit === null) return undefined;
  const specs = (unit[1] ?? '').split(',').map((spec) => spec.trim());
  if (specs.length !== 1) return undefined;
  const match = RANGE_SPEC.exec(specs[0] ?? '');
  if (match === null) return undefined;
  const first = match[1] ?? '';
  const last = match[2] ?? '';

  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    if (size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
}

/** `Content-Range` for a 206 (`bytes 0-99/1000`) or, without a range, for a 416 (`bytes *\/1000`). */
export function formatContentRange(range: ByteRange | undefined, size: number): string {
  assertSize(size);
  if (range === undefined) return `bytes */${size}`;
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** The OCI spec's chunk range `<start>-<end>`; `bytes ` / `bytes=` and a `/total` suffix are tolerated. */
const UPLOAD_RANGE = /^\s*(?:bytes[ =]\s*)?(\d+)-(\d+)(?:\/(?:\d+|\*))?\s*$/i;

/**
 * Reads the `Content-Range` of an upload chunk (PATCH), inclusive on both ends. Anything malformed,
 * end before start, or past the safe integer range throws RANGE_INVALID (416).
 */
export function parseContentRange(header: string): ByteRange {
  const match = typeof header === 'string' ? UPLOAD_RANGE.exec(header) : null;
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new OciError('RANGE_INVALID', 'invalid Content-Range', { detail: { contentRange: String(header).slice(0, 100) } });
  }
  return { start, end };
}

/**
 * The range a GET with this Range header serves (undefined: the whole content); RANGE_INVALID
 * (416, with `Content-Range: bytes *\/size`) when it cannot be satisfied.
 */
export function satisfiableRange(header: string | undefined, size: number): ByteRange | undefined {
  const range = parseRangeHeader(header, size);
  if (range === 'unsatisfiable') {
    throw new OciError('RANGE_INVALID', `range ${header ?? ''} cannot be satisfied for a ${size}-byte blob`, {
      headers: { 'Content-Range': formatContentRange(undefined, size) },
    });
  }
  return range;
}
