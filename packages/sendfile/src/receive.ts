import { getSystemErrorName } from 'node:util';
import type { Sha256Addon } from './addon.js';

/** Body bytes on a connection: those already read (in order), then `length` more from the socket. */
export interface SocketBytes {
  socketFd: number;
  /** Bytes read off the socket before the hand-over, received first. */
  prefix: Uint8Array[];
  /** Bytes still to read from the socket. */
  length: number;
  /** The receive fails when no byte arrives for this long. */
  idleTimeoutMs: number;
}

/** Where received bytes go: a file the caller keeps open until the receive is over. */
export interface FileTarget {
  fd: number;
  /** File offset of the first byte. */
  offset: number;
  /** Bytes written (and hashed) so far, prefix included; called as they land, and last at the end. */
  onWritten(written: number): void;
}

/** A receive in progress. `done` resolves with the bytes written, or rejects with a ReceiveError. */
export interface ReceiveJob {
  done: Promise<number>;
  /** Stop it: `done` then rejects ('cancelled'), once the thread is out of the file. */
  cancel(): void;
}

/** Takes body bytes off a socket itself, into a file it knows, hashing them (a fill's digester). */
export type SocketReceiver = (bytes: SocketBytes) => ReceiveJob;

export type ReceiveFailure = 'timeout' | 'closed' | 'read' | 'write' | 'cancelled' | 'internal';

/**
 * Why a receive stopped early. `written` bytes are in the file and in the digest (nothing more):
 * after a connection failure (timeout, closed, read) the caller may go on from there.
 */
export class ReceiveError extends Error {
  constructor(
    readonly failure: ReceiveFailure,
    readonly written: number,
    /** A code as the HTTP client's errors carry (UND_ERR_BODY_TIMEOUT, UND_ERR_SOCKET, ECONNRESET, ENOSPC...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReceiveError';
  }

  /** The connection failed (rather than the disk or the digest): another connection may go on. */
  get connectionFailed(): boolean {
    return this.failure === 'timeout' || this.failure === 'closed' || this.failure === 'read';
  }
}

let received = 0;

/** Bytes this process has received straight into files so far (a counter for metrics and tests). */
export function bytesReceivedDirectly(): number {
  return received;
}

/** Start a receive hashing into `handle` (a sha256 context with nothing in flight). */
export function startReceive(addon: Sha256Addon, handle: object, bytes: SocketBytes, file: FileTarget): ReceiveJob {
  let running = true;
  let counted = 0;
  const progress = (written: number) => {
    received += written - counted;
    counted = written;
    file.onWritten(written);
  };
  let job: object | undefined;
  const done = new Promise<number>((resolve, reject) => {
    const onDone = (outcome: string | null, errno: number, written: number) => {
      running = false;
      if (written !== counted) progress(written);
      if (outcome === null) return resolve(written);
      const prefixBytes = bytes.prefix.reduce((sum, chunk) => sum + chunk.length, 0);
      reject(receiveError(outcome as ReceiveFailure, errno, written, bytes.length + prefixBytes - written, bytes.idleTimeoutMs));
    };
    try {
      job = addon.sha256Receive(handle, bytes.socketFd, bytes.prefix, bytes.length, file.fd, file.offset, bytes.idleTimeoutMs, progress, onDone);
    } catch (error) {
      running = false; // it never started
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
  return {
    done,
    cancel: () => {
      if (running) addon.sha256ReceiveCancel(job!);
    },
  };
}

function receiveError(failure: ReceiveFailure, errno: number, written: number, missing: number, idleTimeoutMs: number): ReceiveError {
  const code = errno === 0 ? undefined : getSystemErrorName(-errno);
  switch (failure) {
    case 'timeout':
      return new ReceiveError(failure, written, 'UND_ERR_BODY_TIMEOUT', `no body bytes for ${idleTimeoutMs} ms`);
    case 'closed':
      return new ReceiveError(failure, written, 'UND_ERR_SOCKET', `the connection closed ${missing} bytes before the body's end`);
    case 'read':
      return new ReceiveError(failure, written, code ?? 'UND_ERR_SOCKET', `reading the connection failed: ${code}`);
    case 'write':
      return new ReceiveError(failure, written, code ?? 'EIO', `writing the received bytes failed: ${code}`);
    case 'cancelled':
      return new ReceiveError(failure, written, 'ABORT_ERR', 'the receive was cancelled');
    default:
      return new ReceiveError('internal', written, code ?? 'ERR_RECEIVE', `the receive failed${code === undefined ? '' : `: ${code}`}`);
  }
}
