import type { StoredManifest } from '../manifests.js';
import { BoundedLru } from './bounded-lru.js';

interface Entry {
  manifest: StoredManifest;
  /** For a tag: when the upstream last confirmed it (ms since epoch). */
  checkedAt?: number;
}

/**
 * Proxied manifests kept in process memory, so a manifest GET within the tag TTL (or by digest)
 * touches neither the database nor the upstream. Least recently used entries go first once the
 * byte budget is spent. Entries are dropped when a repository's manifests change, through this
 * process or (with Redis) another one's change notice; were a notice lost, once `maxAgeMs` old.
 */
export class ManifestMemory {
  private readonly entries: BoundedLru<Entry & { rememberedAt: number }>;

  constructor(
    maxBytes = 32 * 1024 * 1024,
    private readonly maxAgeMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new BoundedLru(maxBytes, (entry) => entry.manifest.content.byteLength);
  }

  get(projectId: number, name: string, reference: string): Entry | undefined {
    const key = keyOf(projectId, name, reference);
    const entry = this.entries.get(key);
    if (entry === undefined || this.now() - entry.rememberedAt < this.maxAgeMs) return entry;
    this.entries.delete(key);
    return undefined;
  }

  set(projectId: number, name: string, reference: string, entry: Entry): void {
    this.entries.set(keyOf(projectId, name, reference), { ...entry, rememberedAt: this.now() });
  }

  /** Forget everything cached for one repository (after a push or delete there). */
  forgetRepository(projectId: number, name: string): void {
    this.entries.deletePrefix(keyOf(projectId, name, ''));
  }

  /** Forget everything cached for one project (its cached content was purged). */
  forgetProject(projectId: number): void {
    this.entries.deletePrefix(`${projectId} `);
  }
}

// A reference never contains a space, so the prefix of one repository never matches another's.
function keyOf(projectId: number, name: string, reference: string): string {
  return `${projectId} ${name} ${reference}`;
}
