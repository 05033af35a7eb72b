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

/**
 * One request's reads of the content versions: each project's version is read at most once (one
 * Redis GET) and that value is reused by everything the request consults: the hosted manifest
 * memory, and the signature verdicts of the manifest and of the indexes that list it. Reusing a
 * value read earlier in the request is safe because each of them reads the version before the data
 * it derives from: an earlier read can only be older, which makes what is remembered under it look
 * outdated sooner, never current when it is not. A failed read is reused too (the request treats
 * the version as unknown throughout). Made per request and dropped with it: nothing to invalidate.
 */
export class ContentVersionReads implements Pick<ContentVersions, 'current'> {
  private readonly read = new Map<number, Promise<string>>();

  constructor(private readonly versions: Pick<ContentVersions, 'current'>) {}

  current(projectId: number): Promise<string> {
    let version = this.read.get(projectId);
    if (version === undefined) {
      version = this.versions.current(projectId);
      this.read.set(projectId, version);
    }
    return version;
  }
}
