import type { MetadataStore } from '@berth/db';
import { ThrottledKeys } from '../throttled-keys.js';

/** How often one process records a pull of the same manifest at most. */
const RECORD_INTERVAL_MS = 60_000;

/**
 * When each cached manifest was last pulled (what eviction and retention go by), without a
 * database write per pull: the first pull of a manifest in each minute writes, in the background.
 * A failed write is dropped; the next minute's pull tries again.
 */
export class ManifestPulls {
  private readonly recent: ThrottledKeys;

  constructor(
    private readonly metadata: Pick<MetadataStore, 'getRepository' | 'recordManifestPulls'>,
    private readonly now: () => number = Date.now,
  ) {
    this.recent = new ThrottledKeys(RECORD_INTERVAL_MS, now);
  }

  record(repository: string, digest: string): void {
    const key = `${repository}@${digest}`;
    if (!this.recent.take(key)) return;
    this.write(repository, digest, new Date(this.now())).catch(() => this.recent.release(key));
  }

  private async write(repository: string, digest: string, at: Date): Promise<void> {
    const row = await this.metadata.getRepository(repository);
    if (row !== null) await this.metadata.recordManifestPulls([{ repositoryId: row.id, digest }], at);
  }
}
