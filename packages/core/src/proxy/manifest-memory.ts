import type { StoredManifest } from '../manifests.js';

interface Entry {
  manifest: StoredManifest;
  /** For a tag: when the upstream last confirmed it (ms since epoch). */
  checkedAt?: number;
}

/**
 * Proxied manifests kept in process memory, so a manifest GET within the tag TTL (or by digest)
 * touches neither the database nor the upstream. Least recently used entries go first once the
 * byte budget is spent. Entries are dropped when a repository's manifests change through this
 * process; another replica's deletes are seen here only after the tag TTL.
 */
export class ManifestMemory {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(projectId: number, name: string, reference: string): Entry | undefined {
    const key = keyOf(projectId, name, reference);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(projectId: number, name: string, reference: string, entry: Entry): void {
    const key = keyOf(projectId, name, reference);
    this.remove(key);
    const size = entry.manifest.content.byteLength;
    if (size > this.maxBytes / 16) return; // one huge index must not flush everything else
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.manifest.content.byteLength;
    }
  }

  /** Forget everything cached for one repository (after a push or delete there). */
  forgetRepository(projectId: number, name: string): void {
    const prefix = keyOf(projectId, name, '');
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.remove(key);
  }

  /** Forget everything cached for one project (its cached content was purged). */
  forgetProject(projectId: number): void {
    const prefix = `${projectId} `;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.manifest.content.byteLength;
  }
}

// A reference never contains a space, so the prefix of one repository never matches another's.
function keyOf(projectId: number, name: string, reference: string): string {
  return `${projectId} ${name} ${reference}`;
}
