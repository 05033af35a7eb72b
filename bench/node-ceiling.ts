/**
 * What one Node.js thread on this machine can take in from the upstream at all, measured in the
 * bench's own run: the blob's GET answer read from a plain TCP socket (no HTTP parsing, nothing
 * stored or sent on), with and without sha256 over the bytes. A Node proxy that verifies what it
 * caches cannot fill faster than the second figure, whatever its design.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';

/** MB/s of reading `url`'s whole GET answer off a socket, optionally hashing every byte. */
export function drainOverTcp(url: string, hash: boolean): Promise<number> {
  const target = new URL(url);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => {
      socket.write(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
    });
    const digest = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (hash) digest.update(chunk);
    });
    socket.on('end', () => {
      digest.digest();
      resolve(bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9));
    });
    socket.on('error', reject);
  });
}
