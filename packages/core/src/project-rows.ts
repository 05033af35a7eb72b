import { isDatabaseUnavailable, type MetadataStore, type ProjectRow } from '@berth/db';

/** How long project rows are reused between database reads (settings changes apply after this). */
const PROJECT_CACHE_MS = 5_000;
/** While the database is unavailable, how often the last project rows are given up for a new read. */
const PROJECT_RETRY_MS = 1_000;

/**
 * Every project's row, read at most every PROJECT_CACHE_MS and shared by what derives per-project
 * state from them (proxy settings, signature policies), so a request reads the list once, not once
 * per user. The same array comes back until the next read: callers rebuild what they derive only
 * when it changes.
 */
export class ProjectRows {
  private loaded: { at: number; rows: readonly ProjectRow[] } | undefined;

  constructor(
    private readonly metadata: Pick<MetadataStore, 'listProjects'>,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<readonly ProjectRow[]> {
    if (this.loaded !== undefined && this.now() - this.loaded.at < PROJECT_CACHE_MS) return this.loaded.rows;
    let rows;
    try {
      rows = await this.metadata.listProjects();
    } catch (error) {
      // The database is down: the rows read last are still the best answer, so what needs no
      // database (remembered manifests, stored blobs, policies) keeps being served. Asked again in a second.
      if (!isDatabaseUnavailable(error) || this.loaded === undefined) throw error;
      this.loaded.at = this.now() - PROJECT_CACHE_MS + PROJECT_RETRY_MS;
      return this.loaded.rows;
    }
    this.loaded = { at: this.now(), rows };
    return rows;
  }

  /** Read the rows again on the next call (a project was changed, deleted or purged). */
  forget(): void {
    this.loaded = undefined;
  }
}
