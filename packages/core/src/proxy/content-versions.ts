/**
 * A version of each project's content (manifests and tags), changed by every write through any
 * replica: what lets a replica keep answers derived from the database in memory and still see
 * another replica's push or delete on the very next request. In process memory without Redis
 * (one process sees all writes); on Redis (`RedisContentVersions`) when replicas share one.
 */
export interface ContentVersions {
  /** The project's current version; answers remembered under another version are outdated. */
  current(projectId: number): Promise<string>;
  /** A manifest or tag of the project changed (or its cached content was purged). */
  bump(projectId: number): Promise<void>;
}

export class InProcessContentVersions implements ContentVersions {
  private readonly versions = new Map<number, number>();

  async current(projectId: number): Promise<string> {
    return String(this.versions.get(projectId) ?? 0);
  }

  async bump(projectId: number): Promise<void> {
    this.versions.set(projectId, (this.versions.get(projectId) ?? 0) + 1);
  }
}
