/**
 * References measured in the bench's own run, for the cold-miss section:
 * - the blob's GET answer read off a plain TCP socket by Node with one reused 4 MiB buffer
 *   (`onread`: no HTTP parsing, no allocation per read, nothing stored or sent on), with and without
 *   sha256 over the bytes: what one Node thread can take in, and take in while verifying;
 * - sha256 alone over as many bytes, in memory: the bound of any cache, in any language, that
 *   withholds a blob's last byte until its digest matched (sha256 is sequential: one core, one stream);
 * - the CPU seconds of writing as many bytes to a new file: what storing the blob costs the kernel.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const READ_BUFFER_BYTES = 4 * 1024 * 1024;

/** CPU seconds this process has used (every thread, user and kernel). */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * MB/s of reading `url`'s whole GET answer off a socket, optionally hashing every byte, and the CPU
 * seconds this process spent on it.
 */
export function drainOverTcp(url: string, hash: boolean): Promise<{ mbps: number; cpu: number }> {
  const target = new URL(url);
  const started = process.hrtime.bigint();
  const cpuBefore = ownCpuSeconds();
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
      resolve({ mbps: bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9), cpu: ownCpuSeconds() - cpuBefore });
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

/**
 * CPU seconds of writing `size` bytes to a new file in `dir` in 1 MiB writes (from 16 buffers in
 * turn, as a fill's reads arrive in different buffers), the file then removed, twice in a row: the
 * page-cache copy any cache pays to store the blob. On this VM the first write can cost several
 * times the second: pages the guest freed a while ago went back to the host (free page reporting),
 * and touching them again faults on the host. The second write reuses the pages the first freed.
 */
export function writeFileCpuSeconds(dir: string, size: number): { fresh: number; again: number } {
  const buffers = Array.from({ length: 16 }, () => randomBytes(1024 * 1024));
  const fresh = writeAndRemove(dir, size, buffers);
  return { fresh, again: writeAndRemove(dir, size, buffers) };
}

/**
 * Write `size` bytes to a new file in `dir` and remove it, so that the next large write (a cold
 * GET's store) gets pages the guest has just freed rather than ones free page reporting gave back
 * to the host (see writeFileCpuSeconds): what a machine without a reporting balloon always gives.
 */
export function recyclePagesForNextWrite(dir: string, size: number): void {
  writeAndRemove(dir, size, [randomBytes(1024 * 1024)]);
}

/** CPU seconds of writing `size` bytes into a new file from `buffers` in turn, the file then removed. */
function writeAndRemove(dir: string, size: number, buffers: Buffer[]): number {
  const path = join(dir, `write-reference-${process.pid}`);
  const fd = openSync(path, 'wx');
  const cpuBefore = ownCpuSeconds();
  try {
    for (let done = 0, turn = 0; done < size; turn++) {
      const buffer = buffers[turn % buffers.length]!;
      done += writeSync(fd, buffer, 0, Math.min(buffer.length, size - done));
    }
    return ownCpuSeconds() - cpuBefore;
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}
