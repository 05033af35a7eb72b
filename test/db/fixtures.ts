import { createHash, randomBytes } from 'node:crypto';
import type { MetadataStore, NewManifest, RepositoryRow } from '@berth/db';

export const IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Byte-wise (code unit) comparison: the lexical order the OCI listings promise. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A fresh repository (and its project) with a name unique to this call. */
export async function freshRepository(store: MetadataStore, label: string): Promise<RepositoryRow> {
  const project = await store.ensureProject('contract', 'hosted', {});
  return store.ensureRepository(project.id, `contract/${label}-${randomBytes(4).toString('hex')}`);
}

/** An image manifest whose bytes are a small unique JSON document. */
export function imageManifest(repositoryId: number, overrides: Partial<NewManifest> = {}): NewManifest {
  const content = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: IMAGE_MANIFEST, nonce: randomBytes(8).toString('hex') }),
  );
  return {
    repositoryId,
    digest: sha256(content),
    mediaType: IMAGE_MANIFEST,
    content,
    subject: null,
    artifactType: null,
    annotations: null,
    configMediaType: 'application/vnd.oci.image.config.v1+json',
    source: 'local',
    blobRefs: [],
    manifestRefs: [],
    tags: [],
    ...overrides,
  };
}

/** A manifest with the given raw bytes; the digest is computed from them. */
export function manifestWithBytes(repositoryId: number, content: Uint8Array, tags: string[] = []): NewManifest {
  return { ...imageManifest(repositoryId), content, digest: sha256(content), tags };
}
