import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUpstreamClient } from '@berth/upstream';
import type { UpstreamClient, UpstreamRequestKind } from '@berth/upstream';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, manifestDescriptor, ociIndex, ociManifest, unknownDigest } from '../api/content.js';
import { startDockerRegistry } from '../harness/docker-registry.js';
import type { DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { pushBlob, pushImage, pushManifest } from './push.js';
import type { PushedImage } from './push.js';

// listReferrers against Debian's docker-registry (CNCF distribution 2.8), which has no referrers
// API: the client falls back to the referrers tag schema and cosign's legacy `.sig` tag.

const REPO = 'library/signed';
const SBOM_TYPE = 'application/vnd.example.sbom.v1';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';

let registry: DockerRegistryUnderTest;
let upstream: UpstreamClient;
let image: PushedImage;
const requests: Array<{ kind: UpstreamRequestKind; method: string; status: number | 'error' }> = [];

beforeAll(async () => {
  registry = await startDockerRegistry();
  upstream = createUpstreamClient({ name: 'distribution', url: registry.url, hooks: { onRequest: (event) => requests.push(event) } });
  image = await pushImage(registry.url, REPO, 'v1', [256]);
}, 60_000);

afterAll(async () => {
  await upstream?.close();
  await registry?.stop();
});

describe('listReferrers on distribution 2.8', () => {
  it('reads the tag schema index and the cosign signature tag', async () => {
    const subject = image.manifest.digest;
    const tagPrefix = `sha256-${subject.slice('sha256:'.length)}`;

    // An SBOM artifact that refers to the image, listed in the tag schema index as a client would.
    const sbom = blobOf('{"spdxVersion":"SPDX-2.3"}');
    await pushBlob(registry.url, REPO, EMPTY_JSON);
    await pushBlob(registry.url, REPO, sbom);
    const artifact = ociManifest({
      artifactType: SBOM_TYPE,
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/spdx+json', sbom)],
      subject: manifestDescriptor(image.manifest),
      annotations: { 'org.example.format': 'spdx' },
    });
    await pushManifest(registry.url, REPO, artifact.digest, artifact);
    const listed = manifestDescriptor(artifact, { artifactType: SBOM_TYPE, annotations: { 'org.example.format': 'spdx' } });
    await pushManifest(registry.url, REPO, tagPrefix, ociIndex({ manifests: [listed] }));

    // A cosign-style signature under its legacy tag.
    const payload = blobOf(JSON.stringify({ critical: { image: { 'docker-manifest-digest': subject } } }));
    await pushBlob(registry.url, REPO, payload);
    const signatureConfig = blobOf('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
    await pushBlob(registry.url, REPO, signatureConfig);
    const signature = ociManifest({
      config: descriptor(MEDIA.ociConfig, signatureConfig),
      layers: [{ ...descriptor(SIMPLE_SIGNING, payload), annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' } }],
    });
    await pushManifest(registry.url, REPO, `${tagPrefix}.sig`, signature);

    requests.length = 0;
    const referrers = await upstream.listReferrers(REPO, subject);
    expect(referrers).toEqual({
      source: 'tag-schema',
      truncated: false,
      descriptors: [
        listed,
        {
          mediaType: MEDIA.ociManifest,
          digest: signature.digest,
          size: signature.size,
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
          annotations: { 'dev.berth.cosign-tag': `${tagPrefix}.sig` },
        },
      ],
    });
    // The referrers API was asked first and answered 404.
    expect(requests).toContainEqual({ kind: 'referrers', method: 'GET', status: 404, durationMs: expect.any(Number) });

    // The lack of an API is remembered: the next listing goes straight to the tag schema.
    requests.length = 0;
    expect(await upstream.listReferrers(REPO, subject)).toEqual(referrers);
    expect(requests.filter((r) => r.kind === 'referrers')).toEqual([]);
  });

  it('is empty for a subject nothing refers to', async () => {
    expect(await upstream.listReferrers(REPO, unknownDigest())).toEqual({ descriptors: [], source: 'tag-schema', truncated: false });
    expect(await upstream.listReferrers('library/unknown', unknownDigest())).toEqual({ descriptors: [], source: 'tag-schema', truncated: false });
  });
});
