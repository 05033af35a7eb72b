import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Writable } from 'node:stream';
import { addon } from './addon.js';

export { ThreadedSha256, threadedSha256 } from './sha256.js';
export { ReceiveError, bytesReceivedDirectly, type FileTarget, type ReceiveFailure, type ReceiveJob, type SocketBytes, type SocketReceiver } from './receive.js';

/** Whether zero-copy sends are possible in this process (Linux, addon built, not switched off). */
export const zeroCopyAvailable = addon !== undefined;

let bytesSent = 0;
let enabled = true;

/** Switch zero-copy sends off or back on (configuration: `server.sendfile`). */
export function setZeroCopyEnabled(on: boolean): void {
  enabled = on;
}

/** How blob bytes leave this process: 'sendfile', or 'copy' and why. */
export function zeroCopyMode(): 'sendfile' | 'copy (switched off)' | 'copy (addon not built)' {
  if (addon === undefined) return 'copy (addon not built)';
  return enabled ? 'sendfile' : 'copy (switched off)';
}

/** Bytes this process has sent with sendfile so far (a counter for metrics and tests). */
export function zeroCopyBytesSent(): number {
  return bytesSent;
}

/**
 * Whether the connection is corked now (TCP_CORK): set for each zero-copy send, so the kernel
 * sends full segments only, and taken off when the send is over. False without the addon.
 */
export function zeroCopyCorked(target: ZeroCopyTarget): boolean {
  return addon?.corked(target.fd) ?? false;
}

/** The libuv handle behind a net.Socket: Node's own, not typed by @types/node. */
interface SocketWithHandle {
  _handle?: { fd?: unknown } | null;
}

/** An HTTP response on a plain TCP connection, with the connection's descriptor. */
export interface ZeroCopyTarget {
  response: ServerResponse;
  socket: Socket;
  fd: number;
}

/**
 * The descriptor of the plain TCP connection under `target` when `target` is an HTTP response that
 * owns its connection now and the addon is loaded; undefined otherwise (TLS, HTTP/2, a response
 * queued behind a pipelined one, a test double), and the caller copies through user space instead.
 */
export function zeroCopySocket(target: Writable): ZeroCopyTarget | undefined {
  if (addon === undefined || !enabled || !(target instanceof ServerResponse)) return undefined;
  const socket = target.socket;
  if (socket === null || socket instanceof TLSSocket || socket.destroyed) return undefined;
  const fd = socketFd(socket);
  return fd === undefined ? undefined : { response: target, socket, fd };
}

/** The descriptor under a connected net.Socket (libuv's handle); undefined when it has none (closed, a test double). */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as SocketWithHandle)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Write `bytes` to the socket; resolves once they, and everything before them, went to the kernel. */
function writeToSocket(socket: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

const NOTHING = Buffer.alloc(0);

/**
 * Send `bytes` as (part of) the response body straight on the connection, right after the flushed
 * headers. A response's own write is corked until the next tick, which other work in the same
 * microtask run (an embedded database query) can push back by milliseconds: for a first byte that
 * matters. Resolves once the bytes went to the kernel, so sendFileRange may follow.
 */
export async function writeAfterHeaders(target: ZeroCopyTarget, bytes: Uint8Array): Promise<void> {
  target.response.flushHeaders();
  await writeToSocket(target.socket, bytes);
}

/**
 * Send bytes [offset, offset + length) of the open file `fileFd` as (part of) the body of the
 * response behind `target`, from the page cache straight into the connection. The response's
 * headers are flushed first; the response is not ended. Rejects when the client goes away, the
 * file is shorter than the range, or the connection fails; the caller then destroys the response.
 */
export async function sendFileRange(
  target: ZeroCopyTarget,
  fileFd: number,
  offset: number,
  length: number,
): Promise<void> {
  const { response, socket, fd } = target;
  // Not guarded by headersSent: after writeHead() that is true while the headers are only stored,
  // and the body would reach the client before them. Flushing headers already sent writes nothing.
  response.flushHeaders();
  // sendfile must not overtake bytes Node still holds (the headers, a chunk written from memory).
  if (socket.writableLength > 0 || socket.pending) await writeToSocket(socket, NOTHING);
  if (length === 0) return;
  if (addon === undefined) throw new Error('sendFileRange without the sendfile addon');
  const run = addon;
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    const onClose = () => {
      if (!finished) run.cancel(handle);
    };
    const handle = run.start(fd, fileFd, offset, length, (error, sent) => {
      finished = true;
      bytesSent += sent;
      socket.off('close', onClose);
      if (error === null) resolve();
      else reject(new Error(`${error} after ${sent} of ${length} bytes`));
    });
    socket.once('close', onClose);
  });
}
