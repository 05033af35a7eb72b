import { FillLockUnavailableError } from './errors.js';

/** Proof of holding a fill lock; release it once the fill is over (published or failed). */
export interface FillLockLease {
  release(): Promise<void>;
}

/**
 * Cross-replica exclusion for fills: one replica fetches a digest from upstream while the others
 * wait for it to appear in the shared store. A lock whose holder dies must expire, so that a
 * waiting replica can take it over.
 */
export interface FillLock {
  /** The lease, or null when another replica holds the lock for this digest. */
  acquire(digest: string): Promise<FillLockLease | null>;
}

const NO_OP_LEASE: FillLockLease = { release: async () => undefined };

/**
 * For a single process: always grants. BlobFills already coalesces fills of one digest within the
 * process, so there is nobody else to exclude.
 */
export class InProcessFillLock implements FillLock {
  async acquire(_digest: string): Promise<FillLockLease> {
    return NO_OP_LEASE;
  }
}

/** The lock with its failures (an unreachable lock service) told apart from everything else. */
export function reportingUnavailability(lock: FillLock): FillLock {
  return {
    acquire: (digest) =>
      lock.acquire(digest).catch((error: unknown) => {
        throw new FillLockUnavailableError(digest, error);
      }),
  };
}
