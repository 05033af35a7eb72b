import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

export function digestOfBytes(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/**
 * Deterministic pseudo-random bytes (xorshift32 from `seed`), produced chunk by chunk so a blob of
 * many MiB never exists in memory at once.
 */
export function* patternChunks(total: number, seed: number, chunkSize = 64 * 1024): Generator<Buffer> {
  let state = seed >>> 0 || 1;
  for (let produced = 0; produced < total; produced += chunkSize) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, total - produced));
    for (let i = 0; i < chunk.length; i += 1) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      chunk[i] = state & 0xff;
    }
    yield chunk;
  }
}

/** A described pattern blob: its digest, and a fresh stream of it on every call. */
export interface PatternBlob {
  size: number;
  digest: string;
  stream(): Readable;
}

export function patternBlob(size: number, seed: number, algorithm: 'sha256' | 'sha512' = 'sha256'): PatternBlob {
  const hash = createHash(algorithm);
  for (const chunk of patternChunks(size, seed)) hash.update(chunk);
  return { size, digest: `${algorithm}:${hash.digest('hex')}`, stream: () => Readable.from(patternChunks(size, seed)) };
}

/** The bytes `start..end` (inclusive) of a pattern blob, without building the whole blob. */
export function patternSlice(size: number, seed: number, start: number, end: number): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const chunk of patternChunks(size, seed)) {
    const chunkEnd = offset + chunk.length;
    if (chunkEnd > start && offset <= end) parts.push(chunk.subarray(Math.max(0, start - offset), Math.min(chunk.length, end + 1 - offset)));
    if (chunkEnd > end) break;
    offset = chunkEnd;
  }
  return Buffer.concat(parts);
}

/** Stream `bytes` in several small chunks (as a network body would arrive). */
export function streamOf(bytes: Uint8Array, chunkSize = 1000): Readable {
  const buffer = Buffer.from(bytes);
  return Readable.from(
    (function* () {
      for (let i = 0; i < buffer.length; i += chunkSize) yield buffer.subarray(i, i + chunkSize);
    })(),
  );
}

/** A source that yields the first `goodBytes` of a pattern blob, then fails. */
export function failingStream(goodBytes: number, seed: number): Readable {
  return Readable.from(
    (async function* () {
      yield* patternChunks(goodBytes, seed);
      throw new Error('source broke midway');
    })(),
  );
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Digest and size of a stream, read without keeping it. */
export async function hashOf(stream: Readable, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<{ digest: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { digest: `${algorithm}:${hash.digest('hex')}`, size };
}
