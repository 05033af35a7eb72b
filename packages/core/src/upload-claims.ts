import { setTimeout as sleep } from 'node:timers/promises';
import type { MetadataStore, UploadClaim } from '@berth/db';

/** How long a writer's claim on an upload session lasts unless renewed, and how it is waited for. */
export interface UploadClaimTiming {
  /** A claim not renewed lapses after this long (a crashed writer's session is free again then). */
  leaseMs: number;
  /** A live writer renews its claim this often: a lapse needs a stall of leaseMs - renewMs. */
  renewMs: number;
  /** A writer finding the session claimed looks again this often. */
  pollMs: number;
}

export const DEFAULT_UPLOAD_CLAIM_TIMING: UploadClaimTiming = { leaseMs: 20_000, renewMs: 5_000, pollMs: 100 };

/** What waiting for a session's claim at an offset came to. */
export type ClaimOutcome =
  /** `unchanged`: the claim was taken with `unchangedSince` still the row's mark (nobody claimed it since). */
  | { kind: 'claimed'; claim: HeldUploadClaim; unchanged: boolean }
  /** Another writer moved the offset (its chunk was recorded meanwhile). */
  | { kind: 'moved'; offset: number }
  | { kind: 'gone' }
  /** Another writer still holds it, renewing, after a whole lease of waiting. */
  | { kind: 'busy' };

/**
 * Take the session's claim at `offset`, waiting while another writer holds it: until that writer
 * releases it (the offset moved, or not when its chunk failed) or its claim lapses (it crashed).
 * The claim is a compare-and-set in the database, so it excludes writers on every replica.
 * With `unchangedSince` (the row's mark after this process's last write), the first attempt also
 * requires that mark: when it succeeds, no other writer has held the session since.
 */
export async function claimUploadSession(
  metadata: MetadataStore,
  id: string,
  offset: number,
  timing: UploadClaimTiming,
  unchangedSince?: Date,
): Promise<ClaimOutcome> {
  if (unchangedSince !== undefined) {
    const claim = await metadata.claimUpload(id, offset, timing.leaseMs, unchangedSince);
    if (claim !== null) return { kind: 'claimed', claim: new HeldUploadClaim(metadata, claim, timing), unchanged: true };
  }
  // A holder that is alive renews before this; one that died lets its claim lapse before it.
  const giveUpAt = Date.now() + timing.leaseMs + timing.renewMs;
  for (;;) {
    const claim = await metadata.claimUpload(id, offset, timing.leaseMs);
    if (claim !== null) return { kind: 'claimed', claim: new HeldUploadClaim(metadata, claim, timing), unchanged: false };
    const row = await metadata.getUpload(id);
    if (row === null) return { kind: 'gone' };
    if (row.offset !== offset) return { kind: 'moved', offset: row.offset };
    if (Date.now() >= giveUpAt) return { kind: 'busy' };
    await sleep(timing.pollMs);
  }
}

/** A claim this process holds: renewed in the background until released. */
export class HeldUploadClaim {
  /** The session's offset when it was claimed. */
  readonly offset: number;
  private current: UploadClaim | null;
  /** The renewal in flight, if any: release waits for it (a renewal replaces the token). */
  private renewal: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly metadata: MetadataStore,
    claim: UploadClaim,
    private readonly timing: UploadClaimTiming,
  ) {
    this.offset = claim.offset;
    this.current = claim;
    this.timer = setInterval(() => {
      this.renewal = this.renewal.then(() => this.renew());
    }, timing.renewMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.current === null) return;
    try {
      this.current = await this.metadata.renewUploadClaim(this.current, this.timing.leaseMs);
    } catch {
      // The database did not answer: keep the token and try again next time (the lease has room).
    }
    if (this.current === null) clearInterval(this.timer);
  }

  /**
   * End the claim, recording `offset` as the bytes received: the row's new mark (its `updatedAt`).
   * Null when the claim was lost (it lapsed and another writer took the session, or the session
   * was deleted): nothing is recorded.
   */
  async release(offset: number): Promise<Date | null> {
    clearInterval(this.timer);
    await this.renewal;
    const claim = this.current;
    this.current = null;
    if (claim === null) return null;
    return this.metadata.releaseUploadClaim(claim, offset);
  }
}
