/** A run of bytes cut from a stream; `last` is true for the final one (possibly empty). */
export interface Piece {
  bytes: Buffer;
  last: boolean;
}

/** Stream chunks as Buffers; strings (a Readable with an encoding set) are taken as UTF-8. */
export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError(`blob sources must yield bytes, got ${typeof chunk}`);
}

/**
 * Cut a byte stream into pieces of exactly `pieceSize` bytes (the final one may be shorter).
 * A full piece is held back until the next byte arrives, so the consumer learns whether it is
 * the last one; an empty source yields a single empty last piece. At most one piece (plus one
 * source chunk) is in memory at a time. When the consumer stops early, the source is destroyed.
 */
export async function* readPieces(source: AsyncIterable<unknown>, pieceSize: number): AsyncGenerator<Piece, void, undefined> {
  if (!Number.isSafeInteger(pieceSize) || pieceSize <= 0) throw new RangeError(`invalid piece size ${pieceSize}`);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let full: Buffer | undefined;

  for await (const raw of source) {
    let chunk = toBuffer(raw);
    while (chunk.length > 0) {
      if (full !== undefined) {
        yield { bytes: full, last: false };
        full = undefined;
      }
      const take = Math.min(chunk.length, pieceSize - pendingBytes);
      pending.push(chunk.subarray(0, take));
      pendingBytes += take;
      chunk = chunk.subarray(take);
      if (pendingBytes === pieceSize) {
        full = Buffer.concat(pending, pieceSize);
        pending = [];
        pendingBytes = 0;
      }
    }
  }

  if (full !== undefined) {
    yield { bytes: full, last: pendingBytes === 0 };
    if (pendingBytes === 0) return;
  }
  yield { bytes: Buffer.concat(pending, pendingBytes), last: true };
}
