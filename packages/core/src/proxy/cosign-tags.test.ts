import { describe, it, expect } from '@jest/globals';
import { isCosignTag, withUpstreamLayers } from './cosign-tags.js';

const PAYLOAD = `sha256:${'a'.repeat(64)}`;
const layer = (signature: string, digest = PAYLOAD) => ({
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  size: 243,
  digest,
  annotations: { 'dev.cosignproject.cosign/signature': signature },
});
const sig = (...layers: unknown[]) => Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 2, digest: `sha256:${'c'.repeat(64)}` },
  layers,
}));

describe('withUpstreamLayers', () => {
  it('appends the upstream signatures the local manifest lacks, told apart by their annotations (same payload blob)', () => {
    const merged = withUpstreamLayers(sig(layer('publisher'), layer('team')), sig(layer('publisher'), layer('publisher-later')));
    expect(merged).not.toBeNull();
    const doc = JSON.parse(merged!.bytes.toString()) as { layers: Array<{ annotations: Record<string, string> }> };
    expect(doc.layers.map((l) => l.annotations['dev.cosignproject.cosign/signature'])).toEqual(['publisher', 'team', 'publisher-later']);
    expect(merged!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is null when the upstream adds nothing (whatever its key order), or either side has no layers', () => {
    const reordered = Buffer.from(JSON.stringify({ layers: [{ annotations: { 'dev.cosignproject.cosign/signature': 'publisher' }, digest: PAYLOAD, size: 243, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }] }));
    expect(withUpstreamLayers(sig(layer('publisher'), layer('team')), reordered)).toBeNull();
    expect(withUpstreamLayers(sig(layer('team')), Buffer.from('{"manifests":[]}'))).toBeNull();
    expect(withUpstreamLayers(Buffer.from('not json'), sig(layer('publisher')))).toBeNull();
  });
});

describe('isCosignTag', () => {
  it('matches sha256-<hex>.sig/.att/.sbom only', () => {
    const hex = 'b'.repeat(64);
    expect(isCosignTag(`sha256-${hex}.sig`)).toBe(true);
    expect(isCosignTag(`sha256-${hex}.att`)).toBe(true);
    expect(isCosignTag(`sha256-${hex}`)).toBe(false);
    expect(isCosignTag(`sha256-${hex}.sig2`)).toBe(false);
    expect(isCosignTag('latest')).toBe(false);
  });
});
