import { Buffer } from 'node:buffer';
import { OciError } from './errors.js';
import type { Descriptor } from './descriptor.js';
import { matchesDigestGrammar } from './digest.js';
import { OCI_IMAGE_INDEX } from './media-types.js';

/** What a referrers entry is built from: a stored manifest's summary (extra fields are ignored). */
export interface ReferrerSource {
  digest: string;
  mediaType: string;
  size: number;
  /** The manifest's own artifactType. */
  artifactType?: string | null;
  /** config.mediaType of an image manifest; null or absent for an index. */
  configMediaType?: string | null;
  annotations?: Record<string, string> | null;
}

/**
 * The descriptor the referrers API lists for a manifest: artifactType is the manifest's own,
 * else its config mediaType (an index without one gets none); its annotations are copied.
 */
export function referrerDescriptor(m: ReferrerSource): Descriptor {
  const descriptor: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.size };
  const artifactType = nonEmpty(m.artifactType) ?? nonEmpty(m.configMediaType);
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (m.annotations !== undefined && m.annotations !== null && Object.keys(m.annotations).length > 0) {
    descriptor.annotations = { ...m.annotations };
  }
  return descriptor;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

/**
 * The union of local and upstream referrers, each digest once. The local entry wins over an
 * upstream one with the same digest. Order is stable: local entries in their given order,
 * then the upstream entries not already listed, in theirs.
 */
export function mergeReferrers(local: Descriptor[], upstream: Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  const merged: Descriptor[] = [];
  for (const descriptor of [...local, ...upstream]) {
    if (seen.has(descriptor.digest)) continue;
    seen.add(descriptor.digest);
    merged.push(descriptor);
  }
  return merged;
}

/** Keeps descriptors whose artifactType is one of `artifactTypes`; no or an empty filter keeps all. */
export function filterByArtifactType(list: Descriptor[], artifactTypes: string[] | undefined): Descriptor[] {
  if (artifactTypes === undefined || artifactTypes.length === 0) return [...list];
  const wanted = new Set(artifactTypes);
  return list.filter((d) => d.artifactType !== undefined && wanted.has(d.artifactType));
}

/** The image index document the referrers API answers with. */
export interface ReferrersIndexDocument {
  schemaVersion: 2;
  mediaType: typeof OCI_IMAGE_INDEX;
  manifests: Descriptor[];
}

export function referrersIndex(descriptors: Descriptor[]): ReferrersIndexDocument {
  return { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [...descriptors] };
}

const MAX_ALGORITHM_IN_TAG = 32;
const MAX_ENCODED_IN_TAG = 64;

/**
 * The referrers tag schema: `<alg>-<encoded>`, the algorithm cut to 32 characters and the
 * encoded part to 64, every character a tag cannot hold replaced by "-". Any grammar-valid
 * digest has a tag, so upstream content with other algorithms can still be looked up.
 */
export function referrersTagFor(digest: string): string {
  if (!matchesDigestGrammar(digest)) {
    throw new OciError('DIGEST_INVALID', 'invalid digest', { detail: { digest: digest.slice(0, 200) } });
  }
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon).slice(0, MAX_ALGORITHM_IN_TAG);
  const encoded = digest.slice(colon + 1).slice(0, MAX_ENCODED_IN_TAG);
  return `${algorithm}-${encoded}`.replace(/[^a-zA-Z0-9._-]/g, '-');
}

export interface PageLimits {
  /** Most descriptors per page (at least 1). */
  maxCount: number;
  /** Most bytes of the serialized index per page; a page always holds at least one entry. */
  maxBytes: number;
}

export interface DescriptorPage {
  page: Descriptor[];
  /** The digest of the page's last entry, when more entries follow; pass it back as `cursor`. */
  nextCursor?: string;
}

const EMPTY_INDEX_BYTES = Buffer.byteLength(JSON.stringify(referrersIndex([])));

/**
 * One page of `list`, starting after the entry whose digest is `cursor`. The cursor is a digest,
 * not an offset, so entries added or removed elsewhere do not shift pages. An unknown cursor
 * (its entry is gone) yields an empty last page rather than restarting, which could loop.
 */
export function paginateDescriptors(list: Descriptor[], limits: PageLimits, cursor?: string): DescriptorPage {
  const { maxCount, maxBytes } = limits;
  if (!Number.isSafeInteger(maxCount) || maxCount < 1) throw new RangeError(`maxCount must be a positive integer, got ${maxCount}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);

  let from = 0;
  if (cursor !== undefined) {
    const at = list.findIndex((d) => d.digest === cursor);
    if (at === -1) return { page: [] };
    from = at + 1;
  }

  const page: Descriptor[] = [];
  let bytes = EMPTY_INDEX_BYTES;
  for (let i = from; i < list.length && page.length < maxCount; i += 1) {
    const entry = list[i];
    if (entry === undefined) break;
    const entryBytes = Buffer.byteLength(JSON.stringify(entry)) + (page.length > 0 ? 1 : 0);
    if (page.length > 0 && bytes + entryBytes > maxBytes) break;
    page.push(entry);
    bytes += entryBytes;
  }
  const last = page[page.length - 1];
  return from + page.length < list.length && last !== undefined ? { page, nextCursor: last.digest } : { page };
}
