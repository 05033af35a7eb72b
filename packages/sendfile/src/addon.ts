import { createRequire } from 'node:module';

/** The sendfile addon (build/Release/berth_sendfile.node, sendfile.c). */
export interface SendfileAddon {
  start(socketFd: number, fileFd: number, offset: number, length: number, done: (error: string | null, sent: number) => void): object;
  cancel(handle: object): void;
  /** Whether TCP_CORK is set on the socket now. */
  corked(socketFd: number): boolean;
}

/** The sha256 addon (build/Release/berth_sha256.node, sha256.c): hashing on libuv's thread pool. */
export interface Sha256Addon {
  sha256Create(): object;
  /** Hash `chunks` in order on a pool thread; one update at a time per handle. */
  sha256Update(handle: object, chunks: Uint8Array[], done: (error: string | null) => void): void;
  sha256Final(handle: object): Buffer;
  /**
   * Read `length` bytes from the socket (after writing and hashing `prefix`) into the file from
   * `offset`, hashing them, on a thread of its own (receive.c). onWritten gets the bytes written so
   * far; onDone the outcome (null, or timeout|closed|read|write|cancelled|internal), errno and bytes written.
   */
  sha256Receive(
    handle: object,
    socketFd: number,
    prefix: Uint8Array[],
    length: number,
    fileFd: number,
    offset: number,
    idleTimeoutMs: number,
    onWritten: (written: number) => void,
    onDone: (outcome: string | null, errno: number, written: number) => void,
  ): object;
  sha256ReceiveCancel(job: object): void;
}

/** A compiled addon, present when `npm install` could build it (Linux with a compiler) and it loads. */
function load<T>(name: string): T | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return createRequire(import.meta.url)(`../build/Release/${name}.node`) as T;
  } catch {
    return undefined;
  }
}

export const addon = load<SendfileAddon>('berth_sendfile');
export const sha256Addon = load<Sha256Addon>('berth_sha256');
