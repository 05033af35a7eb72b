import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { call } from '../api/helpers.js';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, ociManifest, type ManifestDoc } from '../api/content.js';
import { pushBlob, pushImage, pushManifest } from '../upstream/push.js';
import { pushCosignSignature } from './referrers-fixtures.js';
import { startProxySetup, type ProxySetup } from './setup.js';

// A cosign `.sig` tag pushed to a proxy project meets the upstream's tag of the same name: the
// upstream's signature layers are merged in (tag TTL 0: at every read), and the team's manifest is
// served as it is while the upstream is down. The real cosign runs in test/e2e/cosign.test.ts.

let setup: ProxySetup;
let image: ManifestDoc;
let sigTag: string;

/** A cosign-shaped signature manifest (no subject) with one layer per signature, all signing `payload`. */
async function signatureManifest(base: string, repository: string, signatures: string[]): Promise<ManifestDoc> {
  const payload = blobOf(`cosign payload of ${image.digest}`);
  await pushBlob(base, repository, EMPTY_JSON);
  await pushBlob(base, repository, payload);
  return ociManifest({
    config: descriptor(MEDIA.ociConfig, EMPTY_JSON),
    layers: signatures.map((signature) => ({ ...descriptor('application/vnd.dev.cosign.simplesigning.v1+json', payload), annotations: { 'dev.cosignproject.cosign/signature': signature } })),
  });
}

async function signaturesServed(): Promise<{ digest: string | null; signatures: string[] }> {
  const res = await call(setup.berth.url, 'GET', `/v2/hub/library/app/manifests/${sigTag}`, { headers: { accept: MEDIA.ociManifest } });
  expect(res.status).toBe(200);
  const doc = JSON.parse(res.body.toString()) as { layers: Array<{ annotations?: Record<string, string> }> };
  return { digest: res.headers.get('docker-content-digest'), signatures: doc.layers.map((l) => l.annotations?.['dev.cosignproject.cosign/signature'] ?? '?') };
}

beforeAll(async () => {
  setup = await startProxySetup([{ name: 'hub', kind: 'proxy', referrersProxy: true, tagTtlSeconds: 0 }]);
  image = (await pushImage(setup.upstream.url, 'library/app', 'v1', [64])).manifest;
  sigTag = `${image.digest.replace(':', '-')}.sig`;
}, 60_000);

afterAll(async () => {
  await setup?.stop();
});

describe('a cosign .sig tag pushed to a proxy project', () => {
  it('gets the upstream signatures it lacks appended, and keeps its own', async () => {
    const publisher = await signatureManifest(setup.upstream.url, 'library/app', ['publisher']);
    await pushManifest(setup.upstream.url, 'library/app', sigTag, publisher);
    // The team's push holds the publisher's layer (cosign appends to what it read) and its own.
    const team = await signatureManifest(setup.berth.url, 'hub/library/app', ['publisher', 'team']);
    await pushManifest(setup.berth.url, 'hub/library/app', sigTag, team);
    expect(await signaturesServed()).toEqual({ digest: team.digest, signatures: ['publisher', 'team'] });

    const later = await signatureManifest(setup.upstream.url, 'library/app', ['publisher', 'publisher-later']);
    await pushManifest(setup.upstream.url, 'library/app', sigTag, later);
    const merged = await signaturesServed();
    expect(merged.signatures).toEqual(['publisher', 'team', 'publisher-later']);
    expect([team.digest, later.digest]).not.toContain(merged.digest);
    // Merged once: read again, the same manifest.
    expect(await signaturesServed()).toEqual(merged);
  });

  it('is served as it is while the upstream fails', async () => {
    const before = await signaturesServed();
    const stop = setup.relay.fault({ path: /\/manifests\//, status: 503 });
    try {
      expect(await signaturesServed()).toEqual(before);
    } finally {
      stop();
    }
  });

  it('serves the upstream .sig of another subject unchanged where the team pushed none', async () => {
    const other = (await pushImage(setup.upstream.url, 'library/app', 'v2', [64])).manifest;
    const theirs = await pushCosignSignature(setup.upstream.url, 'library/app', other);
    const res = await call(setup.berth.url, 'GET', `/v2/hub/library/app/manifests/${other.digest.replace(':', '-')}.sig`, { headers: { accept: MEDIA.ociManifest } });
    expect(res.headers.get('docker-content-digest')).toBe(theirs.digest); // a cached tag: the upstream's bytes
  });
});
