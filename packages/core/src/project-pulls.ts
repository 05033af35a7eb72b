import type { MetadataStore } from '@berth/db';
import { ThrottledKeys } from './throttled-keys.js';

/** How often one process writes a project's last-pull time at most. */
const RECORD_INTERVAL_MS = 60_000;

/**
 * Remembers when each project was last pulled from (admin API statistics) without a database write
 * per pull: the first pull of a project in each minute writes, in the background; a failed write
 * is dropped (the next minute's pull tries again).
 */
export class ProjectPulls {
  private readonly recent: ThrottledKeys;

  constructor(
    private readonly metadata: Pick<MetadataStore, 'recordProjectPull'>,
    private readonly now: () => number = Date.now,
  ) {
    this.recent = new ThrottledKeys(RECORD_INTERVAL_MS, now);
  }

  record(projectId: number): void {
    const key = String(projectId);
    if (!this.recent.take(key)) return;
    this.metadata.recordProjectPull(projectId, new Date(this.now())).catch(() => this.recent.release(key));
  }
}
