import type { MetadataStore } from '@berth/db';
import type { BlobStore } from '@berth/storage';

export interface CollectionResult {
  /** Blobs newly found unreferenced (their grace period starts now). */
  marked: number;
  /** Blobs deleted from storage and forgotten. */
  deleted: number;
  bytes: number;
}

export interface CollectorLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Garbage collection of blobs no repository links any more (after deletes, purges and evictions).
 * Mark and sweep with a grace period, safe against concurrent pushes without stopping them:
 * - a run marks every unlinked blob;
 * - a blob still marked and unlinked one grace period later is claimed for deletion, its bytes
 *   deleted, then its row;
 * - every writer claims a blob (claimBlob) before publishing or linking it, which clears the mark,
 *   and waits while a collector holds the claim; so nothing published or linked is ever deleted.
 */
export class BlobCollector {
  constructor(
    private readonly metadata: Pick<MetadataStore, 'markUnlinkedBlobs' | 'claimBlobsForDeletion' | 'forgetBlobs'>,
    private readonly store: Pick<BlobStore, 'delete'>,
    private readonly options: { graceMs: number; batchSize?: number; logger?: CollectorLogger },
    private readonly now: () => number = Date.now,
  ) {}

  async run(): Promise<CollectionResult> {
    // Taken before marking: a blob marked by this run is never deleted by it, whatever the grace.
    const markedBefore = new Date(this.now() - this.options.graceMs);
    const marked = await this.metadata.markUnlinkedBlobs();
    const batchSize = this.options.batchSize ?? 100;
    let deleted = 0;
    let bytes = 0;
    for (;;) {
      const batch = await this.metadata.claimBlobsForDeletion(markedBefore, batchSize);
      const gone: string[] = [];
      for (const blob of batch) {
        try {
          await this.store.delete(blob.digest);
        } catch (error) {
          // Left claimed: a later run (or a writer, after the claim's 10 minutes) takes it over.
          this.options.logger?.warn({ digest: blob.digest, err: error }, 'could not delete a collected blob');
          continue;
        }
        gone.push(blob.digest);
        bytes += blob.size;
      }
      if (gone.length > 0) deleted += await this.metadata.forgetBlobs(gone);
      if (batch.length < batchSize) break;
    }
    return { marked, deleted, bytes };
  }
}
