import { describe, it, expect } from '@jest/globals';
import {
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
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
import { digestOf } from './digest.js';

describe('media type constants', () => {
  it('have the registered values', () => {
    expect(OCI_IMAGE_MANIFEST).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(OCI_IMAGE_INDEX).toBe('application/vnd.oci.image.index.v1+json');
    expect(OCI_IMAGE_CONFIG).toBe('application/vnd.oci.image.config.v1+json');
    expect(OCI_EMPTY).toBe('application/vnd.oci.empty.v1+json');
    expect(DOCKER_MANIFEST_V2).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(DOCKER_MANIFEST_LIST).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(DOCKER_MANIFEST_V1_SIGNED).toBe('application/vnd.docker.distribution.manifest.v1+prettyjws');
  });

  it('give the empty descriptor digest of the bytes {}', () => {
    expect(digestOf(new TextEncoder().encode('{}'))).toBe(OCI_EMPTY_DIGEST);
  });

  it('list exactly the four stored manifest kinds, schema 1 excluded', () => {
    expect([...KNOWN_MANIFEST_MEDIA_TYPES].sort()).toEqual(
      [OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST_V2, DOCKER_MANIFEST_LIST].sort(),
    );
    expect(KNOWN_MANIFEST_MEDIA_TYPES).not.toContain(DOCKER_MANIFEST_V1);
  });
});

describe('normalizeMediaType', () => {
  it('drops parameters, whitespace and case', () => {
    expect(normalizeMediaType(' Application/VND.oci.image.manifest.v1+json ; charset=utf-8')).toBe(OCI_IMAGE_MANIFEST);
  });

  it('returns undefined for absent or empty values', () => {
    expect(normalizeMediaType(undefined)).toBeUndefined();
    expect(normalizeMediaType(null)).toBeUndefined();
    expect(normalizeMediaType('')).toBeUndefined();
    expect(normalizeMediaType(' ; q=1')).toBeUndefined();
  });
});

describe('classifiers', () => {
  it('tell indexes from image manifests', () => {
    expect(isIndexMediaType(OCI_IMAGE_INDEX)).toBe(true);
    expect(isIndexMediaType(DOCKER_MANIFEST_LIST)).toBe(true);
    expect(isIndexMediaType(OCI_IMAGE_MANIFEST)).toBe(false);
    expect(isIndexMediaType(undefined)).toBe(false);

    expect(isManifestMediaType(OCI_IMAGE_MANIFEST)).toBe(true);
    expect(isManifestMediaType(`${DOCKER_MANIFEST_V2}; charset=utf-8`)).toBe(true);
    expect(isManifestMediaType(OCI_IMAGE_INDEX)).toBe(false);
    expect(isManifestMediaType(OCI_IMAGE_CONFIG)).toBe(false);
  });

  it('know which manifest types Berth stores', () => {
    for (const type of KNOWN_MANIFEST_MEDIA_TYPES) expect(isKnownManifestMediaType(type)).toBe(true);
    expect(isKnownManifestMediaType(DOCKER_MANIFEST_V1)).toBe(false);
    expect(isKnownManifestMediaType('application/json')).toBe(false);
    expect(isKnownManifestMediaType(undefined)).toBe(false);
  });

  it('recognise schema 1 and generic content types', () => {
    expect(isSchema1MediaType(DOCKER_MANIFEST_V1)).toBe(true);
    expect(isSchema1MediaType(DOCKER_MANIFEST_V1_SIGNED)).toBe(true);
    expect(isSchema1MediaType(DOCKER_MANIFEST_V2)).toBe(false);

    expect(isGenericContentType(undefined)).toBe(true);
    expect(isGenericContentType('application/json; charset=utf-8')).toBe(true);
    expect(isGenericContentType('application/octet-stream')).toBe(true);
    expect(isGenericContentType(OCI_IMAGE_MANIFEST)).toBe(false);
  });
});
