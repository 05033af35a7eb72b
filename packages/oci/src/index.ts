export { OCI_ERRORS, OciError, errorBody, isOciError } from './errors.js';
export type { ErrorBody, OciErrorCode } from './errors.js';

export {
  DIGEST_ALGORITHMS,
  createDigester,
  digestOf,
  isDigest,
  isDigestAlgorithm,
  matchesDigestGrammar,
  parseDigest,
} from './digest.js';
export type { DigestAlgorithm, Digester, ParsedDigest } from './digest.js';

export {
  MAX_REPOSITORY_NAME_LENGTH,
  MAX_TAG_LENGTH,
  assertRepositoryName,
  assertTag,
  isRepositoryName,
  isTag,
  parseReference,
  projectOf,
} from './names.js';
export type { Reference, ReferenceUse } from './names.js';

export {
  DOCKER_CONTAINER_CONFIG,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  GENERIC_CONTENT_TYPES,
  KNOWN_MANIFEST_MEDIA_TYPES,
  OCI_EMPTY,
  OCI_EMPTY_DIGEST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  isGenericContentType,
  isIndexMediaType,
  isKnownManifestMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  normalizeMediaType,
} from './media-types.js';

export { parseDescriptor } from './descriptor.js';
export type { Descriptor, Platform } from './descriptor.js';
export { parseManifest, referencedBlobs, referencedManifests } from './manifest.js';
export type { ParsedManifest } from './manifest.js';

export { nextLink, parseNextLink, parsePageParams } from './pagination.js';
export type { PageParams } from './pagination.js';

export { formatContentRange, parseContentRange, parseRangeHeader, satisfiableRange } from './range.js';
export type { ByteRange } from './range.js';

export {
  filterByArtifactType,
  mergeReferrers,
  paginateDescriptors,
  referrerDescriptor,
  referrersIndex,
  referrersTagFor,
} from './referrers.js';
export type { DescriptorPage, PageLimits, ReferrerSource, ReferrersIndexDocument } from './referrers.js';
export { asErrorLike, type ErrorLike } from './error-like.js';
