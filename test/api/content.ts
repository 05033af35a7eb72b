import { createHash, randomBytes } from 'node:crypto';

// Builders for the content the API tests push: random blobs, image configs, OCI and Docker
// manifests and indexes. Every document is serialized with unusual indentation and a trailing
// newline, so a registry that re-serializes instead of storing the exact bytes is caught.

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Every manifest type the tests push; sent as Accept so no registry converts or hides one. */
export const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

export type Algorithm = 'sha256' | 'sha512';

export function digestOf(bytes: Uint8Array, algorithm: Algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Whether `digest` (sha256 or sha512) is the digest of `bytes`. */
export function digestMatches(digest: string | null, bytes: Uint8Array): boolean {
  const algorithm = digest?.split(':')[0];
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return false;
  return digest === digestOf(bytes, algorithm);
}

export interface Blob {
  bytes: Buffer;
  digest: string;
  size: number;
}

export function blobOf(bytes: Uint8Array | string, algorithm: Algorithm = 'sha256'): Blob {
  const buffer = Buffer.from(bytes);
  return { bytes: buffer, digest: digestOf(buffer, algorithm), size: buffer.length };
}

export function randomBlob(size = 1024, algorithm: Algorithm = 'sha256'): Blob {
  return blobOf(randomBytes(size), algorithm);
}

/** A small, unique OCI image config. */
export function randomConfig(algorithm: Algorithm = 'sha256'): Blob {
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { nonce: randomBytes(8).toString('hex') } },
    rootfs: { type: 'layers', diff_ids: [digestOf(randomBytes(16))] },
  };
  return blobOf(JSON.stringify(config), algorithm);
}

/** The OCI empty JSON blob `{}` used as the config of artifacts. */
export const EMPTY_JSON: Blob = blobOf('{}');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string };
}

export function descriptor(mediaType: string, blob: { digest: string; size: number }): Descriptor {
  return { mediaType, digest: blob.digest, size: blob.size };
}

/** A manifest or index as pushed: its exact bytes and what they hash to. */
export interface ManifestDoc extends Blob {
  mediaType: string;
  json: Record<string, unknown>;
}

function serialize(mediaType: string, json: Record<string, unknown>, algorithm: Algorithm): ManifestDoc {
  const bytes = Buffer.from(`${JSON.stringify(json, null, 3)}\n`);
  return { bytes, digest: digestOf(bytes, algorithm), size: bytes.length, mediaType, json };
}

/** The descriptor another document uses to point at `doc`. */
export function manifestDescriptor(doc: ManifestDoc, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType: doc.mediaType, digest: doc.digest, size: doc.size, ...extra };
}

export interface OciManifestOptions {
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  algorithm?: Algorithm;
}

export function ociManifest(options: OciManifestOptions): ManifestDoc {
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType: MEDIA.ociManifest };
  if (options.artifactType !== undefined) json.artifactType = options.artifactType;
  json.config = options.config;
  json.layers = options.layers;
  if (options.subject !== undefined) json.subject = options.subject;
  if (options.annotations !== undefined) json.annotations = options.annotations;
  return serialize(MEDIA.ociManifest, json, options.algorithm ?? 'sha256');
}

export interface OciIndexOptions {
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function ociIndex(options: OciIndexOptions): ManifestDoc {
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType: MEDIA.ociIndex };
  if (options.artifactType !== undefined) json.artifactType = options.artifactType;
  json.manifests = options.manifests;
  if (options.subject !== undefined) json.subject = options.subject;
  if (options.annotations !== undefined) json.annotations = options.annotations;
  return serialize(MEDIA.ociIndex, json, 'sha256');
}

export function dockerManifest(config: Descriptor, layers: Descriptor[]): ManifestDoc {
  return serialize(MEDIA.dockerManifest, { schemaVersion: 2, mediaType: MEDIA.dockerManifest, config, layers }, 'sha256');
}

export function dockerManifestList(manifests: Descriptor[]): ManifestDoc {
  return serialize(MEDIA.dockerList, { schemaVersion: 2, mediaType: MEDIA.dockerList, manifests }, 'sha256');
}

/** A digest nothing was ever pushed under. */
export function unknownDigest(algorithm: Algorithm = 'sha256'): string {
  return digestOf(randomBytes(32), algorithm);
}

/** A repository name no other test uses: `<prefix>/<random>`. */
export function uniqueRepo(prefix = 'api'): string {
  return `${prefix}/r${randomBytes(5).toString('hex')}`;
}
