import { describe, it, expect } from '@jest/globals';
import { Buffer } from 'node:buffer';
import {
  filterByArtifactType,
  mergeReferrers,
  paginateDescriptors,
  referrerDescriptor,
  referrersIndex,
  referrersTagFor,
} from './referrers.js';
import type { Descriptor } from './descriptor.js';
import { OciError } from './errors.js';
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from './media-types.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const SBOM = 'application/vnd.example.sbom.v1';
const SIG = 'application/vnd.example.signature.v1';

function desc(c: string, artifactType?: string, extra: Partial<Descriptor> = {}): Descriptor {
  const base: Descriptor = { mediaType: OCI_IMAGE_MANIFEST, digest: d(c), size: 100 };
  if (artifactType !== undefined) base.artifactType = artifactType;
  return { ...base, ...extra };
}

describe('referrerDescriptor', () => {
  it('uses the manifest artifactType and copies annotations', () => {
    expect(
      referrerDescriptor({
        digest: d('a'),
        mediaType: OCI_IMAGE_MANIFEST,
        size: 10,
        artifactType: SBOM,
        configMediaType: 'application/vnd.oci.empty.v1+json',
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
      }),
    ).toEqual({
      mediaType: OCI_IMAGE_MANIFEST,
      digest: d('a'),
      size: 10,
      artifactType: SBOM,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });
  });

  it('falls back to the config mediaType when artifactType is absent or empty', () => {
    const base = { digest: d('a'), mediaType: OCI_IMAGE_MANIFEST, size: 10, configMediaType: SIG };
    expect(referrerDescriptor({ ...base, artifactType: null }).artifactType).toBe(SIG);
    expect(referrerDescriptor({ ...base, artifactType: '' }).artifactType).toBe(SIG);
    expect(referrerDescriptor(base).artifactType).toBe(SIG);
  });

  it('omits artifactType for an index without one, and empty annotations', () => {
    const descriptor = referrerDescriptor({
      digest: d('b'),
      mediaType: OCI_IMAGE_INDEX,
      size: 20,
      artifactType: null,
      configMediaType: null,
      annotations: {},
    });
    expect(descriptor).toEqual({ mediaType: OCI_IMAGE_INDEX, digest: d('b'), size: 20 });
    expect('artifactType' in descriptor).toBe(false);
    expect('annotations' in descriptor).toBe(false);
  });

  it('copies annotations rather than sharing them', () => {
    const annotations = { a: '1' };
    const descriptor = referrerDescriptor({ digest: d('a'), mediaType: OCI_IMAGE_MANIFEST, size: 1, annotations });
    annotations.a = 'changed';
    expect(descriptor.annotations).toEqual({ a: '1' });
  });
});

describe('mergeReferrers', () => {
  it('keeps local order, then upstream order, each digest once, local winning', () => {
    const local = [desc('b', SIG, { annotations: { from: 'local' } }), desc('a', SBOM)];
    const upstream = [desc('c', SBOM), desc('b', SIG, { annotations: { from: 'upstream' } }), desc('d')];
    const merged = mergeReferrers(local, upstream);
    expect(merged.map((x) => x.digest)).toEqual([d('b'), d('a'), d('c'), d('d')]);
    expect(merged[0]?.annotations).toEqual({ from: 'local' });
  });

  it('drops duplicates within one side too', () => {
    expect(mergeReferrers([desc('a'), desc('a')], [desc('b'), desc('b')]).map((x) => x.digest)).toEqual([d('a'), d('b')]);
  });

  it('handles empty sides', () => {
    expect(mergeReferrers([], [])).toEqual([]);
    expect(mergeReferrers([], [desc('a')])).toEqual([desc('a')]);
  });
});

describe('filterByArtifactType', () => {
  const list = [desc('a', SBOM), desc('b', SIG), desc('c'), desc('d', SBOM)];

  it('keeps everything without a filter', () => {
    expect(filterByArtifactType(list, undefined)).toEqual(list);
    expect(filterByArtifactType(list, [])).toEqual(list);
  });

  it('keeps only the requested types, in order', () => {
    expect(filterByArtifactType(list, [SBOM]).map((x) => x.digest)).toEqual([d('a'), d('d')]);
    expect(filterByArtifactType(list, [SIG, SBOM]).map((x) => x.digest)).toEqual([d('a'), d('b'), d('d')]);
    expect(filterByArtifactType(list, ['application/none'])).toEqual([]);
  });
});

describe('referrersIndex', () => {
  it('wraps descriptors in an OCI image index', () => {
    const manifests = [desc('a', SBOM)];
    expect(referrersIndex(manifests)).toEqual({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests });
    expect(referrersIndex([])).toEqual({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] });
  });
});

describe('referrersTagFor', () => {
  // The examples of the distribution spec's referrers tag schema.
  it('maps a sha256 digest to sha256-<hex>', () => {
    expect(referrersTagFor(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`);
  });

  it('truncates a sha512 digest to 64 encoded characters', () => {
    expect(referrersTagFor(`sha512:${'a'.repeat(128)}`)).toBe(`sha512-${'a'.repeat(64)}`);
  });

  it('truncates long algorithms and replaces characters tags cannot hold', () => {
    const digest =
      'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:' +
      'alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation';
    const tag = referrersTagFor(digest);
    expect(tag).toBe('test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot');
    expect(tag.length).toBeLessThanOrEqual(128);
    expect(tag).toMatch(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/);
  });

  it('rejects strings that are not digests', () => {
    for (const bad of ['latest', 'sha256:', 'SHA256:abc']) {
      try {
        referrersTagFor(bad);
        throw new Error('expected a throw');
      } catch (error) {
        expect(error).toBeInstanceOf(OciError);
        expect((error as OciError).code).toBe('DIGEST_INVALID');
      }
    }
  });
});

describe('paginateDescriptors', () => {
  const list = ['1', '2', '3', '4', '5'].map((c) => desc(c, SBOM));
  const roomy = { maxCount: 1000, maxBytes: 1 << 20 };

  it('returns everything in one page when it fits', () => {
    expect(paginateDescriptors(list, roomy)).toEqual({ page: list });
  });

  it('pages by count with the last digest as cursor, and walks to the end', () => {
    const first = paginateDescriptors(list, { maxCount: 2, maxBytes: 1 << 20 });
    expect(first).toEqual({ page: list.slice(0, 2), nextCursor: d('2') });
    const second = paginateDescriptors(list, { maxCount: 2, maxBytes: 1 << 20 }, first.nextCursor);
    expect(second).toEqual({ page: list.slice(2, 4), nextCursor: d('4') });
    const third = paginateDescriptors(list, { maxCount: 2, maxBytes: 1 << 20 }, second.nextCursor);
    expect(third).toEqual({ page: list.slice(4) });
  });

  it('keeps every serialized page within maxBytes', () => {
    const maxBytes = 600;
    const seen: string[] = [];
    let pages = 0;
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const { page, nextCursor } = paginateDescriptors(list, { maxCount: 100, maxBytes }, cursor);
      pages += 1;
      expect(Buffer.byteLength(JSON.stringify(referrersIndex(page)))).toBeLessThanOrEqual(maxBytes);
      expect(page.length).toBeGreaterThan(0);
      seen.push(...page.map((x) => x.digest));
      if (nextCursor === undefined) break;
      cursor = nextCursor;
    }
    expect(seen).toEqual(list.map((x) => x.digest));
    expect(pages).toBeGreaterThan(1);
  });

  it('always puts at least one entry on a page, even an oversized one', () => {
    const { page, nextCursor } = paginateDescriptors(list, { maxCount: 10, maxBytes: 1 });
    expect(page).toEqual([list[0]]);
    expect(nextCursor).toBe(d('1'));
  });

  it('stays consistent when entries before the cursor change', () => {
    const first = paginateDescriptors(list, { maxCount: 2, maxBytes: 1 << 20 });
    const shrunk = list.filter((x) => x.digest !== d('1'));
    expect(paginateDescriptors(shrunk, { maxCount: 2, maxBytes: 1 << 20 }, first.nextCursor).page).toEqual(list.slice(2, 4));
  });

  it('answers an empty last page for an unknown cursor', () => {
    expect(paginateDescriptors(list, roomy, d('f'))).toEqual({ page: [] });
  });

  it('handles an empty list and the last entry as cursor', () => {
    expect(paginateDescriptors([], roomy)).toEqual({ page: [] });
    expect(paginateDescriptors(list, roomy, d('5'))).toEqual({ page: [] });
  });

  it('refuses limits that could never make progress', () => {
    expect(() => paginateDescriptors(list, { maxCount: 0, maxBytes: 100 })).toThrow(RangeError);
    expect(() => paginateDescriptors(list, { maxCount: 1, maxBytes: 0 })).toThrow(RangeError);
  });
});
