import type { StoredManifest } from './manifests.js';
import type { ContentVersions } from './proxy/content-versions.js';
import { BoundedLru } from './proxy/bounded-lru.js';

interface Entry {
  manifest: StoredManifest;
  projectId: number;
  /** The project's content version read before the manifest was: valid while it is still current. */
  version: string;
  rememberedAt: number;
}

export interface HostedManifestMemoryOptions {
  /** Byte budget of the remembered manifests (least recently used go first). */
  maxBytes?: number;
  /**
   * An entry is read again from the database once this old, whatever the version says: the bound
   * for a change whose version bump never reached this process (Redis down at that moment, or
   * replicas on PostgreSQL without Redis, whose versions are each process's own).
   */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Hosted manifests by repository and reference (tag or digest) in process memory, so a repeated
 * manifest GET makes no database query. An entry is served only while its project's content version
 * is the one read before the entry's database read: every push and delete changes that version after
 * its write (in this process, or through Redis on every replica), so a tag moved or deleted is seen
 * on the next request. Reading the version first means a write racing the read leaves an entry that
 * is already outdated, never one that looks current.
 */
export class HostedManifestMemory {
  private readonly entries: BoundedLru<Entry>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly versions: Pick<ContentVersions, 'current'>,
    options: HostedManifestMemoryOptions,
  ) {
    this.entries = new BoundedLru(options.maxBytes ?? 16 * 1024 * 1024, (entry) => entry.manifest.content.byteLength);
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * The remembered manifest and its project, when its project's content version has not changed
   * since. `versions`: the request's reads (ContentVersionReads), so the version read here is the
   * one the rest of the request uses; the shared versions otherwise.
   */
  async get(name: string, reference: string, versions?: Pick<ContentVersions, 'current'>): Promise<{ manifest: StoredManifest; projectId: number } | undefined> {
    const key = keyOf(name, reference);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() - entry.rememberedAt >= this.maxAgeMs || (await this.versionOf(entry.projectId, versions)) !== entry.version) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * The project's content version, to be read before the database read whose result is remembered
   * under it; undefined when it cannot be read (Redis down): then nothing is remembered.
   */
  async versionOf(projectId: number, versions: Pick<ContentVersions, 'current'> = this.versions): Promise<string | undefined> {
    return versions.current(projectId).catch(() => undefined);
  }

  remember(name: string, reference: string, projectId: number, version: string, manifest: StoredManifest): void {
    this.entries.set(keyOf(name, reference), { manifest, projectId, version, rememberedAt: this.now() });
  }

  /** Forget every reference of one repository (a push or delete through this process). */
  forgetRepository(name: string): void {
    this.entries.deletePrefix(keyOf(name, ''));
  }
}

// Neither a name nor a reference contains a space, so one repository's prefix never matches another's.
function keyOf(name: string, reference: string): string {
  return `${name} ${reference}`;
}
