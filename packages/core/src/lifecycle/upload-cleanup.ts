import type { MetadataStore } from '@berth/db';
import type { BlobStore } from '@berth/storage';

/**
 * Removes upload sessions nobody wrote to for longer than the session TTL, with their bytes (a
 * client that gave up mid-push leaves them behind). Such a session is already refused to clients
 * (BLOB_UPLOAD_UNKNOWN), so removing it changes nothing they can see.
 */
export class UploadCleanup {
  constructor(
    private readonly metadata: Pick<MetadataStore, 'listStaleUploads' | 'deleteUpload'>,
    private readonly store: Pick<BlobStore, 'uploads'>,
    private readonly options: { sessionTtlMs: number; batchSize?: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** How many sessions were removed. */
  async run(): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const updatedBefore = new Date(this.now() - this.options.sessionTtlMs);
    let removed = 0;
    for (;;) {
      const stale = await this.metadata.listStaleUploads(updatedBefore, batchSize);
      for (const upload of stale) {
        // Bytes first: a session row without bytes is harmless, bytes without a row would be lost space.
        await this.store.uploads.abort(upload.id);
        if (await this.metadata.deleteUpload(upload.id)) removed += 1;
      }
      if (stale.length < batchSize) return removed;
    }
  }
}
