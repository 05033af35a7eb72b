import type { MetadataStore } from '@berth/db';

/** How often one process records a pull of the same manifest at most. */
const RECORD_INTERVAL_MS = 60_000;
/** Remembered (repository, digest) pairs before the memory starts over. */
const MAX_REMEMBERED = 100_000;

/**
 * When each cached manifest was last pulled (what eviction and retention go by), without a
 * database write per pull: the first pull of a manifest in each minute writes, in the background.
 * A failed write is dropped; the next minute's pull tries again.
 */
export class ManifestPulls {
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly metadata: Pick<MetadataStore, 'getRepository' | 'recordManifestPulls'>,
    private readonly now: () => number = Date.now,
  ) {}

  record(repository: string, digest: string): void {
    const key = `${repository}@${digest}`;
    const now = this.now();
    const last = this.lastWritten.get(key);
    if (last !== undefined && now - last < RECORD_INTERVAL_MS) return;
    if (this.lastWritten.size >= MAX_REMEMBERED) this.lastWritten.clear();
    this.lastWritten.set(key, now);
    this.write(repository, digest, new Date(now)).catch(() => this.lastWritten.delete(key));
  }

  private async write(repository: string, digest: string, at: Date): Promise<void> {
    const row = await this.metadata.getRepository(repository);
    if (row !== null) await this.metadata.recordManifestPulls([{ repositoryId: row.id, digest }], at);
  }
}
