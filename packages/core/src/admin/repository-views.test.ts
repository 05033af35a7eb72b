import { describe, it, expect } from '@jest/globals';
import type { ManifestRow } from '@berth/db';
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '@berth/oci';
import { kindOf, parsedOrNull, platformsOf, sizeOf } from './repository-views.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const image = {
  schemaVersion: 2,
  mediaType: OCI_IMAGE_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 100 },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('1'), size: 1000 },
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('2'), size: 2000 },
  ],
};
const index = {
  schemaVersion: 2,
  mediaType: OCI_IMAGE_INDEX,
  manifests: [
    { mediaType: OCI_IMAGE_MANIFEST, digest: d('a'), size: 400, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: OCI_IMAGE_MANIFEST, digest: d('b'), size: 500, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    // buildkit's attestation entry is not a platform
    { mediaType: OCI_IMAGE_MANIFEST, digest: d('e'), size: 300, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d('a') } },
  ],
};

describe('repository views', () => {
  it('sizes an image as manifest, config and layers', () => {
    const row = { content: bytes(image), mediaType: OCI_IMAGE_MANIFEST, size: 400 };
    const parsed = parsedOrNull(row);
    expect(kindOf(parsed)).toBe('image');
    expect(sizeOf(row, parsed)).toBe(400 + 100 + 1000 + 2000);
    expect(platformsOf(parsed)).toEqual([]);
  });

  it("lists an index's platforms without attestations and adds its stored children's full sizes", () => {
    const row = { content: bytes(index), mediaType: OCI_IMAGE_INDEX, size: 900 };
    const parsed = parsedOrNull(row);
    expect(kindOf(parsed)).toBe('index');
    expect(platformsOf(parsed)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    const child = { digest: d('a'), content: bytes(image), mediaType: OCI_IMAGE_MANIFEST, size: 400 } as ManifestRow;
    // a: stored (400 + 3100); b and e: not stored, their manifest sizes only.
    expect(sizeOf(row, parsed, new Map([[d('a'), child]]))).toBe(900 + 3500 + 500 + 300);
  });

  it('reads an unreadable manifest as kind other with its own size', () => {
    const row = { content: new TextEncoder().encode('not json'), mediaType: OCI_IMAGE_MANIFEST, size: 8 };
    const parsed = parsedOrNull(row);
    expect(kindOf(parsed)).toBe('other');
    expect(sizeOf(row, parsed)).toBe(8);
  });
});
