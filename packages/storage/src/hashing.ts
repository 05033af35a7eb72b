import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { createDigester } from '@berth/oci';
import type { DigestAlgorithm, Digester } from '@berth/oci';
import { DigestMismatchError } from './blob-store.js';
import type { BlobInfo, DigestString } from './blob-store.js';
import { toBuffer } from './chunks.js';

/** A pass-through stream that hashes and counts what flows through it. */
export class HashingTransform extends Transform {
  private readonly digester: Digester;
  private bytes = 0;

  constructor(algorithm: DigestAlgorithm) {
    super();
    this.digester = createDigester(algorithm);
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const bytes = toBuffer(chunk);
      this.digester.update(bytes);
      this.bytes += bytes.length;
      callback(null, bytes);
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Digest and size of everything seen; call once the stream has finished. */
  result(): BlobInfo {
    return { digest: this.digester.digest(), size: this.bytes };
  }
}

/** Throw DigestMismatchError unless `actual` is what the caller expected (when it expected anything). */
export function assertExpectedDigest(expected: DigestString | undefined, actual: DigestString): void {
  if (expected !== undefined && expected !== actual) throw new DigestMismatchError(expected, actual);
}

/** Digest and size of a whole stream, read to its end. */
export async function hashStream(source: AsyncIterable<unknown>, algorithm: DigestAlgorithm): Promise<BlobInfo> {
  const digester = createDigester(algorithm);
  let size = 0;
  for await (const chunk of source) {
    const bytes = toBuffer(chunk);
    digester.update(bytes);
    size += bytes.length;
  }
  return { digest: digester.digest(), size };
}
