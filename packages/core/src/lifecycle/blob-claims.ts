import { OciError } from '@berth/oci';
import type { BlobRow, MetadataStore } from '@berth/db';

export interface ClaimWaitOptions {
  /** Give up after this long (default 30 s): a collector deletes one blob in well under that. */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  pollMs?: number;
}

/**
 * Keep a blob from garbage collection before publishing or relying on its bytes. A collector that
 * claimed the blob is deleting its bytes right now: wait until it is done (the row is gone), then
 * claim afresh, so what the caller publishes next is never deleted behind its back.
 */
export async function claimBlobOrWait(
  metadata: Pick<MetadataStore, 'claimBlob'>,
  blob: BlobRow,
  options: ClaimWaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const pollMs = options.pollMs ?? 100;
  while (!(await metadata.claimBlob(blob))) {
    if (Date.now() >= deadline) {
      throw new OciError('UNAVAILABLE', `blob ${blob.digest} is being garbage-collected; try again shortly`, { detail: { digest: blob.digest } });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
