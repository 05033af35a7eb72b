import { createDigester, type DigestAlgorithm } from '@berth/oci';
import { threadedSha256, type FileTarget, type ReceiveJob, type SocketBytes } from '@berth/sendfile';

/**
 * The running digest of a fill's body. `update` may hand the chunk to another thread: the fill
 * awaits it (backpressure when hashing falls behind) and must not let the chunk's memory be reused
 * before `whenHashed` released it. `digest` resolves once every byte handed over is hashed.
 */
export interface FillDigester {
  update(chunk: Uint8Array): Promise<void> | void;
  /** `algorithm:hex` of everything handed over; rejects when hashing failed. */
  digest(): Promise<string>;
  /** Call `release` once `chunk` is hashed (at once when it is). */
  whenHashed(chunk: Uint8Array, release: () => void): void;
  /**
   * Where the digest runs in the addon: take body bytes straight off a socket into a file, hashing
   * them (ThreadedSha256.receiveIntoFile). Only with nothing handed over yet.
   */
  receiveIntoFile?(bytes: SocketBytes, file: FileTarget): ReceiveJob;
}

export type FillDigesterFactory = (algorithm: DigestAlgorithm) => FillDigester;

/** Hash on the event loop, as each chunk arrives (any algorithm; no addon needed). */
export function inlineDigester(algorithm: DigestAlgorithm): FillDigester {
  const digester = createDigester(algorithm);
  return {
    update: (chunk) => digester.update(chunk),
    digest: () => Promise.resolve(digester.digest()),
    whenHashed: (_chunk, release) => release(),
  };
}

/**
 * sha256 on libuv's thread pool when the addon is built (the event loop goes on reading the
 * upstream, and the spool writes and sends, while a pool thread hashes), else in-line.
 */
export function defaultFillDigester(algorithm: DigestAlgorithm): FillDigester {
  const threaded = algorithm === 'sha256' ? threadedSha256() : undefined;
  if (threaded === undefined) return inlineDigester(algorithm);
  return {
    update: (chunk) => threaded.update(chunk),
    digest: async () => `sha256:${await threaded.digest()}`,
    whenHashed: (chunk, release) => threaded.whenHashed(chunk, release),
    ...(threaded.canReceive ? { receiveIntoFile: (bytes: SocketBytes, file: FileTarget) => threaded.receiveIntoFile(bytes, file) } : {}),
  };
}
