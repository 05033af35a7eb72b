import { describe, it, expect } from '@jest/globals';
import * as oci from './index.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('@berth/oci public API', () => {
  it('carries a pushed artifact from bytes to a referrers answer', () => {
    const subject = oci.digestOf(utf8('the image manifest'));
    const artifact = {
      schemaVersion: 2,
      mediaType: oci.OCI_IMAGE_MANIFEST,
      artifactType: 'application/vnd.example.sbom.v1',
      config: { mediaType: oci.OCI_EMPTY, digest: oci.OCI_EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: 'application/spdx+json', digest: oci.digestOf(utf8('sbom')), size: 4 }],
      subject: { mediaType: oci.OCI_IMAGE_MANIFEST, digest: subject, size: 18 },
      annotations: { 'org.example.kind': 'sbom' },
    };
    const content = utf8(JSON.stringify(artifact));
    const parsed = oci.parseManifest(content, oci.OCI_IMAGE_MANIFEST);
    const digest = oci.digestOf(content);

    expect(oci.parseReference(digest)).toMatchObject({ kind: 'digest', digest });
    expect(oci.referencedBlobs(parsed)).toEqual([oci.OCI_EMPTY_DIGEST, oci.digestOf(utf8('sbom'))]);

    const entry = oci.referrerDescriptor({
      digest,
      mediaType: parsed.mediaType,
      size: content.length,
      artifactType: parsed.artifactType ?? null,
      configMediaType: parsed.config?.mediaType ?? null,
      annotations: parsed.annotations ?? null,
    });
    const listed = oci.filterByArtifactType(oci.mergeReferrers([entry], []), ['application/vnd.example.sbom.v1']);
    const body = oci.referrersIndex(oci.paginateDescriptors(listed, { maxCount: 10, maxBytes: 4096 }).page);

    expect(body.manifests).toEqual([
      {
        mediaType: oci.OCI_IMAGE_MANIFEST,
        digest,
        size: content.length,
        artifactType: 'application/vnd.example.sbom.v1',
        annotations: { 'org.example.kind': 'sbom' },
      },
    ]);
    expect(oci.parseManifest(utf8(JSON.stringify(body)), oci.OCI_IMAGE_INDEX).manifests).toEqual(body.manifests);
    expect(oci.isTag(oci.referrersTagFor(subject))).toBe(true);
  });

  it('re-exports the error type used by every module', () => {
    try {
      oci.assertRepositoryName('NOT/valid');
      throw new Error('expected a throw');
    } catch (error) {
      expect(oci.isOciError(error)).toBe(true);
      expect(error).toBeInstanceOf(oci.OciError);
    }
  });
});
