/** Media types of the documents a registry handles (OCI image spec and Docker's formats). */

export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** The empty JSON object `{}`, used as a placeholder config or layer by artifacts. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** sha256 of the two bytes `{}`: the digest of every OCI empty descriptor. */
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONTAINER_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** Docker schema 1: recognised only to be refused (Berth stores schema 2 and OCI documents). */
export const DOCKER_MANIFEST_V1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_MANIFEST_V1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

/** Every manifest media type Berth accepts and serves, most preferred first (usable as an Accept list). */
export const KNOWN_MANIFEST_MEDIA_TYPES: readonly string[] = [
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
];

/** Content types a client may send without naming a manifest format; the body decides. */
export const GENERIC_CONTENT_TYPES: readonly string[] = ['application/json', 'application/octet-stream'];

/**
 * The bare media type of a Content-Type header: parameters dropped, trimmed, lowercased
 * (media types compare case-insensitively). Undefined for an absent or empty header.
 */
export function normalizeMediaType(contentType: string | undefined | null): string | undefined {
  if (contentType === undefined || contentType === null) return undefined;
  const bare = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return bare === '' ? undefined : bare;
}

/** An index of manifests: OCI image index or Docker manifest list. */
export function isIndexMediaType(mediaType: string | undefined | null): boolean {
  const type = normalizeMediaType(mediaType);
  return type === OCI_IMAGE_INDEX || type === DOCKER_MANIFEST_LIST;
}

/** A single image (or artifact) manifest: OCI image manifest or Docker schema 2. Indexes are not. */
export function isManifestMediaType(mediaType: string | undefined | null): boolean {
  const type = normalizeMediaType(mediaType);
  return type === OCI_IMAGE_MANIFEST || type === DOCKER_MANIFEST_V2;
}

/** Any manifest document Berth stores: an image manifest or an index. */
export function isKnownManifestMediaType(mediaType: string | undefined | null): boolean {
  const type = normalizeMediaType(mediaType);
  return type !== undefined && KNOWN_MANIFEST_MEDIA_TYPES.includes(type);
}

export function isSchema1MediaType(mediaType: string | undefined | null): boolean {
  const type = normalizeMediaType(mediaType);
  return type === DOCKER_MANIFEST_V1 || type === DOCKER_MANIFEST_V1_SIGNED;
}

export function isGenericContentType(mediaType: string | undefined | null): boolean {
  const type = normalizeMediaType(mediaType);
  return type === undefined || GENERIC_CONTENT_TYPES.includes(type);
}
