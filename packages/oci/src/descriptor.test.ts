import { describe, it, expect } from '@jest/globals';
import { parseDescriptor } from './descriptor.js';
import { digestOf } from './digest.js';
import { OciError } from './errors.js';
import { OCI_EMPTY, OCI_EMPTY_DIGEST } from './media-types.js';

const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DIGEST = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

function failure(value: unknown): { field: string; reason: string } {
  try {
    parseDescriptor(value, 'layers[0]');
  } catch (error) {
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe('MANIFEST_INVALID');
    return (error as OciError).detail as { field: string; reason: string };
  }
  throw new Error('expected MANIFEST_INVALID');
}

describe('parseDescriptor', () => {
  it('keeps the known fields and drops unknown ones', () => {
    const parsed = parseDescriptor(
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: DIGEST,
        size: 7682,
        artifactType: 'application/vnd.example+type',
        annotations: { 'org.opencontainers.image.title': 'x' },
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.features': ['a'], 'os.version': '1', features: [] },
        urls: ['https://example.com/blob'],
        vendorField: true,
      },
      'manifests[0]',
    );
    expect(parsed).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: DIGEST,
      size: 7682,
      artifactType: 'application/vnd.example+type',
      annotations: { 'org.opencontainers.image.title': 'x' },
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.features': ['a'], 'os.version': '1', features: [] },
      urls: ['https://example.com/blob'],
    });
  });

  it('accepts size 0 and the minimal form', () => {
    expect(parseDescriptor({ mediaType: LAYER, digest: DIGEST, size: 0 }, 'config')).toEqual({ mediaType: LAYER, digest: DIGEST, size: 0 });
  });

  it.each([
    ['a non-object', 'nope', 'layers[0]'],
    ['an array', [], 'layers[0]'],
    ['a missing mediaType', { digest: DIGEST, size: 1 }, 'layers[0].mediaType'],
    ['an empty mediaType', { mediaType: '', digest: DIGEST, size: 1 }, 'layers[0].mediaType'],
    ['a numeric mediaType', { mediaType: 5, digest: DIGEST, size: 1 }, 'layers[0].mediaType'],
    ['a missing digest', { mediaType: LAYER, size: 1 }, 'layers[0].digest'],
    ['a malformed digest', { mediaType: LAYER, digest: 'sha256:xyz', size: 1 }, 'layers[0].digest'],
    ['an unsupported digest', { mediaType: LAYER, digest: `sha384:${'a'.repeat(96)}`, size: 1 }, 'layers[0].digest'],
    ['a missing size', { mediaType: LAYER, digest: DIGEST }, 'layers[0].size'],
    ['a negative size', { mediaType: LAYER, digest: DIGEST, size: -1 }, 'layers[0].size'],
    ['a fractional size', { mediaType: LAYER, digest: DIGEST, size: 1.5 }, 'layers[0].size'],
    ['a string size', { mediaType: LAYER, digest: DIGEST, size: '10' }, 'layers[0].size'],
    ['an unsafe size', { mediaType: LAYER, digest: DIGEST, size: 2 ** 53 }, 'layers[0].size'],
    ['non-string annotations', { mediaType: LAYER, digest: DIGEST, size: 1, annotations: { a: 1 } }, 'layers[0].annotations.a'],
    ['array annotations', { mediaType: LAYER, digest: DIGEST, size: 1, annotations: ['a'] }, 'layers[0].annotations'],
    ['non-string urls', { mediaType: LAYER, digest: DIGEST, size: 1, urls: [1] }, 'layers[0].urls'],
    ['a numeric artifactType', { mediaType: LAYER, digest: DIGEST, size: 1, artifactType: 1 }, 'layers[0].artifactType'],
    ['a platform without os', { mediaType: LAYER, digest: DIGEST, size: 1, platform: { architecture: 'amd64' } }, 'layers[0].platform.os'],
    ['a platform without architecture', { mediaType: LAYER, digest: DIGEST, size: 1, platform: { os: 'linux' } }, 'layers[0].platform.architecture'],
    ['a platform with bad features', { mediaType: LAYER, digest: DIGEST, size: 1, platform: { os: 'linux', architecture: 'amd64', features: 'sse4' } }, 'layers[0].platform.features'],
  ])('rejects %s', (_label, value, field) => {
    expect(failure(value).field).toBe(field);
  });

  it('names the digest problem in the reason', () => {
    expect(failure({ mediaType: LAYER, digest: `sha384:${'a'.repeat(96)}`, size: 1 }).reason).toMatch(/unsupported digest algorithm/);
  });

  describe('embedded data', () => {
    it('accepts data matching size and digest (the empty descriptor)', () => {
      const parsed = parseDescriptor({ mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2, data: 'e30=' }, 'config');
      expect(parsed.data).toBe('e30=');
    });

    it('checks sha512 data with sha512', () => {
      const bytes = new TextEncoder().encode('hello');
      const digest = digestOf(bytes, 'sha512');
      expect(parseDescriptor({ mediaType: LAYER, digest, size: 5, data: 'aGVsbG8=' }, 'config').digest).toBe(digest);
    });

    it('rejects data that is not base64', () => {
      expect(failure({ mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2, data: 'e30' }).reason).toMatch(/base64/);
    });

    it('rejects data whose length disagrees with size', () => {
      expect(failure({ mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 3, data: 'e30=' }).reason).toMatch(/decodes to 2 bytes/);
    });

    it('rejects data whose digest disagrees', () => {
      // "[]" is two bytes too, but not the bytes of the empty-object digest.
      expect(failure({ mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2, data: 'W10=' }).reason).toMatch(/digest/);
    });
  });
});
