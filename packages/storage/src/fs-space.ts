import { statfs } from 'node:fs/promises';
import { StorageFullError } from './blob-store.js';
import { hasErrorCode } from './fs-files.js';

/** Below this many free bytes on the storage's filesystem, /readyz reports the storage not ready. */
export const MIN_FREE_BYTES = 1024 * 1024;
/** How long a write that failed for lack of space keeps the storage reported as not ready. */
export const NO_SPACE_MEMORY_MS = 60_000;

/** ENOSPC or EDQUOT: the filesystem is full or the quota spent. */
export function isNoSpaceError(error: unknown): boolean {
  return hasErrorCode(error, 'ENOSPC') || hasErrorCode(error, 'EDQUOT');
}

/**
 * A filesystem store's view of its free space: writes that failed for lack of it become
 * StorageFullError and are remembered, and the readiness check asks `assertSpace`. A failed
 * write frees what it wrote (so the disk may look fine a moment later): remembering the
 * failure keeps it visible to operators and load balancers for NO_SPACE_MEMORY_MS.
 */
export class FsSpace {
  private lastNoSpace: { at: number; message: string } | undefined;

  constructor(
    private readonly root: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** `error` as StorageFullError when it is one (remembered), else unchanged. */
  translate(error: unknown, where: string): unknown {
    if (!isNoSpaceError(error)) return error;
    const full = new StorageFullError(hasErrorCode(error, 'EDQUOT') ? 'EDQUOT' : 'ENOSPC', where, { cause: error });
    this.lastNoSpace = { at: this.now(), message: full.message };
    return full;
  }

  /** Throws why the storage cannot take writes: too little free space now, or a recent write failed for lack of it. */
  async assertSpace(): Promise<void> {
    const stats = await statfs(this.root);
    const free = stats.bavail * stats.bsize;
    if (free < MIN_FREE_BYTES) throw new Error(`no space left on device: ${free} bytes free on ${this.root} (less than ${MIN_FREE_BYTES})`);
    const last = this.lastNoSpace;
    if (last !== undefined && this.now() - last.at < NO_SPACE_MEMORY_MS) {
      const ago = Math.round((this.now() - last.at) / 1000);
      throw new Error(`${last.message} ${ago} s ago (${free} bytes free now)`);
    }
  }
}
