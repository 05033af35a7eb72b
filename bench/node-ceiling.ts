/**
 * References measured in the bench's own run, for the cold-miss section:
 * - the blob's GET answer read off a plain TCP socket by Node with one reused 4 MiB buffer
 *   (`onread`: no HTTP parsing, no allocation per read, nothing stored or sent on), with and without
 *   sha256 over the bytes: what one Node thread can take in, and take in while verifying;
 * - sha256 alone over as many bytes, in memory: the bound of any cache, in any language, that
 *   withholds a blob's last byte until its digest matched (sha256 is sequential: one core, one stream).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const READ_BUFFER_BYTES = 4 * 1024 * 1024;

/** MB/s of reading `url`'s whole GET answer off a socket, optionally hashing every byte. */
export function drainOverTcp(url: string, hash: boolean): Promise<number> {
  const target = new URL(url);
  const started = process.hrtime.bigint();
  const digest = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const socket = connect({
      port: Number(target.port),
      host: target.hostname,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (length: number, buffer: Uint8Array) => {
          bytes += length;
          if (hash) digest.update(buffer.subarray(0, length));
          return true;
        },
      },
    });
    socket.on('connect', () => socket.write(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`));
    socket.on('end', () => {
      digest.digest();
      resolve(bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9));
    });
    socket.on('error', reject);
  });
}

/** MB/s of sha256 over `size` bytes held in memory (a 16 MiB buffer hashed over and over). */
export function sha256InMemory(size: number): number {
  const block = randomBytes(16 * 1024 * 1024);
  const digest = createHash('sha256');
  const started = process.hrtime.bigint();
  for (let done = 0; done < size; done += block.length) digest.update(block.subarray(0, Math.min(block.length, size - done)));
  digest.digest();
  return size / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
}
