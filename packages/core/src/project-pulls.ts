import type { MetadataStore } from '@berth/db';

/** How often one process writes a project's last-pull time at most. */
const RECORD_INTERVAL_MS = 60_000;

/**
 * Remembers when each project was last pulled from (admin API statistics) without a database write
 * per pull: the first pull of a project in each minute writes, in the background; a failed write
 * is dropped (the next minute's pull tries again).
 */
export class ProjectPulls {
  private readonly lastWritten = new Map<number, number>();

  constructor(
    private readonly metadata: Pick<MetadataStore, 'recordProjectPull'>,
    private readonly now: () => number = Date.now,
  ) {}

  record(projectId: number): void {
    const now = this.now();
    const last = this.lastWritten.get(projectId);
    if (last !== undefined && now - last < RECORD_INTERVAL_MS) return;
    this.lastWritten.set(projectId, now);
    this.metadata.recordProjectPull(projectId, new Date(now)).catch(() => this.lastWritten.delete(projectId));
  }
}
