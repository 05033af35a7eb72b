import { describe, expect, it } from '@jest/globals';
import { COSIGN_SIMPLE_SIGNING } from '@berth/signatures';
import type { StoredManifest } from '../manifests.js';
import { isSignatureArtifact } from './signature-artifacts.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function manifestWithLayers(layerTypes: string[]): StoredManifest {
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(1), size: 2 },
    layers: layerTypes.map((mediaType, i) => ({ mediaType, digest: digest(i + 2), size: 10 })),
  };
  return { digest: digest(9), mediaType: OCI_MANIFEST, content: new TextEncoder().encode(JSON.stringify(doc)), subject: null };
}

describe('isSignatureArtifact', () => {
  it('is true when every layer is an envelope, false for an image layer, no layers or an index', () => {
    expect(isSignatureArtifact(manifestWithLayers([COSIGN_SIMPLE_SIGNING, 'application/vnd.dsse.envelope.v1+json']))).toBe(true);
    expect(isSignatureArtifact(manifestWithLayers([COSIGN_SIMPLE_SIGNING, 'application/vnd.oci.image.layer.v1.tar+gzip']))).toBe(false);
    expect(isSignatureArtifact(manifestWithLayers([]))).toBe(false);
    const index = { digest: digest(8), mediaType: 'application/vnd.oci.image.index.v1+json', content: new TextEncoder().encode('{"schemaVersion":2,"manifests":[]}'), subject: null };
    expect(isSignatureArtifact(index)).toBe(false);
  });

  it('answers the same object the same way every time, and judges another object on its own bytes', () => {
    const signature = manifestWithLayers([COSIGN_SIMPLE_SIGNING]);
    const image = manifestWithLayers(['application/vnd.oci.image.layer.v1.tar+gzip']);
    for (let i = 0; i < 3; i += 1) {
      expect(isSignatureArtifact(signature)).toBe(true);
      expect(isSignatureArtifact(image)).toBe(false);
    }
    // Same digest field, other bytes: the answer follows the bytes, not the digest.
    expect(isSignatureArtifact({ ...signature, content: image.content })).toBe(false);
  });
});
