/**
 * A version of each project's content (manifests and tags), changed by every write through any
 * replica: what lets a replica keep answers derived from the database in memory and still see
 * another replica's push or delete on the very next request. In process memory without Redis
 * (one process sees all writes); on Redis (`RedisContentVersions`) when replicas share one.
 */
export interface ContentVersions {
  /** The project's current version; answers remembered under another version are outdated. */
  current(projectId: number): Promise<string>;
  /**
   * A manifest or tag of the project changed (or its cached content was purged): in `repository`
   * when given, anywhere in the project otherwise.
   */
  bump(projectId: number, repository?: string): Promise<void>;
  /**
   * Be told of changes made by other processes (Redis: every replica and worker), so memories of
   * the project's content are dropped at once instead of when they expire. Optional: a single
   * process has no other writer.
   */
  onChange?(listener: ContentChangeListener): void;
}

/** A change notice: the project, and the repository when the change was limited to one. */
export type ContentChangeListener = (projectId: number, repository: string | undefined) => void;

export class InProcessContentVersions implements ContentVersions {
  private readonly versions = new Map<number, number>();

  async current(projectId: number): Promise<string> {
    return String(this.versions.get(projectId) ?? 0);
  }

  async bump(projectId: number): Promise<void> {
    this.versions.set(projectId, (this.versions.get(projectId) ?? 0) + 1);
  }
}
