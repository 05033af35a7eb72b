import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { MANIFEST_ACCEPT, MEDIA, descriptor, manifestDescriptor, ociIndex, ociManifest, randomBlob, EMPTY_JSON } from '../api/content.js';
import { call, expectOciError, parseNextLink, pushBlob, putManifest } from '../api/helpers.js';
import { pushImage } from '../upstream/push.js';
import { pushArtifact, SIGSTORE_BUNDLE } from './referrers-fixtures.js';
import { MANIFEST_PATH, startProxySetup, type ProxySetup } from './setup.js';

// `?ns=` routing into proxy projects, merged tag lists, and what each push policy admits.

let setup: ProxySetup;
const accept = { accept: MANIFEST_ACCEPT };

beforeAll(async () => {
  setup = await startProxySetup([
    { name: 'hub', kind: 'proxy', ns: ['docker.io'], nameMapping: { dockerHubLibrary: 'on' } },
    { name: 'locked', kind: 'proxy', pushPolicy: 'none' },
    { name: 'open', kind: 'proxy', pushPolicy: 'all' },
    { name: 'quick', kind: 'proxy', tagTtlSeconds: 0, nameMapping: { dockerHubLibrary: 'on' } },
  ]);
}, 60_000);

afterAll(async () => {
  await setup?.stop();
});

describe('ns routing', () => {
  it('routes ?ns=docker.io into the project serving that host and says so', async () => {
    const image = await pushImage(setup.upstream.url, 'library/web', 'v1', [10]);
    const routed = await call(setup.berth.url, 'GET', '/v2/library/web/manifests/v1?ns=docker.io', { headers: accept });
    expect(routed.status).toBe(200);
    expect(routed.headers.get('oci-namespace')).toBe('docker.io');
    expect(routed.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    const blob = await call(setup.berth.url, 'GET', `/v2/library/web/blobs/${image.layers[0]?.digest ?? ''}?ns=docker.io`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(Buffer.from(image.layers[0]?.bytes ?? []))).toBe(true);
    // The same content under the project prefix is the same cache entry.
    const prefixed = await call(setup.berth.url, 'GET', '/v2/hub/library/web/manifests/v1', { headers: accept });
    expect(prefixed.headers.get('cache-status')).toMatch(/^Berth; hit/);
  });

  it('answers NAME_UNKNOWN for a registry no project serves', async () => {
    expectOciError(await call(setup.berth.url, 'GET', '/v2/library/web/manifests/v1?ns=quay.io', { headers: accept }), 404, 'NAME_UNKNOWN');
  });
});

describe('tags/list', () => {
  it("merges the upstream's tags with pushed referrers tags, in order, with paging", async () => {
    const image = await pushImage(setup.upstream.url, 'library/tagged', 'b', [10]);
    await pushImage(setup.upstream.url, 'library/tagged', 'a', [10]);
    const signatureTag = `sha256-${image.manifest.digest.slice('sha256:'.length)}.sig`;
    const signature = randomBlob(64);
    await pushBlob(setup.berth.url, 'hub/tagged', EMPTY_JSON);
    await pushBlob(setup.berth.url, 'hub/tagged', signature);
    const sig = ociManifest({ config: descriptor(MEDIA.ociEmpty, EMPTY_JSON), layers: [descriptor('application/vnd.dev.cosign.simplesigning.v1+json', signature)] });
    expect((await putManifest(setup.berth.url, 'hub/tagged', signatureTag, sig)).status).toBe(201);

    const all = await call(setup.berth.url, 'GET', '/v2/hub/tagged/tags/list');
    expect(all.json()).toEqual({ name: 'hub/tagged', tags: ['a', 'b', signatureTag] });
    const first = await call(setup.berth.url, 'GET', '/v2/hub/tagged/tags/list?n=2');
    expect(first.json()).toEqual({ name: 'hub/tagged', tags: ['a', 'b'] });
    const next = parseNextLink(first.headers.get('link'));
    expect(next).toBeDefined();
    const second = await call(setup.berth.url, 'GET', next ?? '');
    expect(second.json()).toEqual({ name: 'hub/tagged', tags: [signatureTag] });
  });

  it("remembers the upstream's list for the tag TTL and serves it while the upstream is down", async () => {
    await pushImage(setup.upstream.url, 'library/listed', 'x1', [10]);
    const listRequests = () => setup.relay.count('GET', /\/library\/listed\/tags\/list/);
    const first = await call(setup.berth.url, 'GET', '/v2/hub/listed/tags/list');
    expect(first.headers.get('cache-status')).toBe('Berth; fwd=miss');
    const before = listRequests();
    const second = await call(setup.berth.url, 'GET', '/v2/hub/listed/tags/list');
    expect(second.headers.get('cache-status')).toMatch(/^Berth; hit; ttl=\d+$/);
    expect(second.json()).toEqual({ name: 'hub/listed', tags: ['x1'] });
    expect(listRequests()).toBe(before);

    // With no TTL every list asks the upstream; when it cannot answer, the last list stands in.
    expect((await call(setup.berth.url, 'GET', '/v2/quick/listed/tags/list')).headers.get('cache-status')).toBe('Berth; fwd=miss');
    await setup.relay.down();
    try {
      const stale = await call(setup.berth.url, 'GET', '/v2/quick/listed/tags/list');
      expect(stale.status).toBe(200);
      expect(stale.json()).toEqual({ name: 'quick/listed', tags: ['x1'] });
      expect(stale.headers.get('cache-status')).toMatch(/^Berth; hit; detail="stale: upstream /);
    } finally {
      await setup.relay.up();
    }
  });

  it('answers NAME_UNKNOWN for a repository unknown here and upstream', async () => {
    expectOciError(await call(setup.berth.url, 'GET', '/v2/hub/no-such-repo/tags/list'), 404, 'NAME_UNKNOWN');
  });

  it('lists cached repositories in the catalog under their canonical names, and only those', async () => {
    const { repositories } = (await call(setup.berth.url, 'GET', '/v2/_catalog')).json<{ repositories: string[] }>();
    // hub/tagged maps to the upstream's library/tagged: one repository, named as the upstream names it.
    expect(repositories).toEqual(expect.arrayContaining(['hub/library/web', 'hub/library/tagged']));
    expect(repositories).not.toContain('hub/tagged');
    expect(repositories).not.toContain('hub/no-such-repo');
    expect(repositories.every((name) => !name.startsWith('library/'))).toBe(true);
  });
});

describe('push policy', () => {
  it('referrers (default): takes a signature for a cached image, refuses an ordinary tag', async () => {
    const image = await pushImage(setup.upstream.url, 'library/signed', 'v1', [10]);
    const payload = randomBlob(32);
    await pushBlob(setup.berth.url, 'hub/signed', EMPTY_JSON);
    await pushBlob(setup.berth.url, 'hub/signed', payload);
    const referrer = ociManifest({
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/vnd.example.sbom', payload)],
      subject: descriptor(MEDIA.ociManifest, image.manifest),
      artifactType: 'application/vnd.example.sbom',
    });
    const put = await putManifest(setup.berth.url, 'hub/signed', referrer.digest, referrer);
    expect(put.status).toBe(201);
    expect(put.headers.get('oci-subject')).toBe(image.manifest.digest);
    const tagged = await putManifest(setup.berth.url, 'hub/signed', 'v2', referrer);
    expectOciError(tagged, 403, 'DENIED');
    expect(tagged.text()).toContain('push policy');
  });

  it("referrers: a referrers-schema index listing the upstream's referrers is taken without pulling them first", async () => {
    const image = await pushImage(setup.upstream.url, 'library/indexed', 'v1', [10]);
    const upstreamReferrer = await pushArtifact(setup.upstream.url, 'library/indexed', image.manifest, SIGSTORE_BUNDLE);
    const index = ociIndex({ manifests: [manifestDescriptor(upstreamReferrer, { artifactType: SIGSTORE_BUNDLE })] });
    const fetched = setup.relay.count('GET', MANIFEST_PATH);
    const put = await putManifest(setup.berth.url, 'hub/indexed', image.manifest.digest.replace(':', '-'), index);
    expect(put.status).toBe(201);
    // The child was fetched from the upstream while the push was checked, and is cached now.
    expect(setup.relay.count('GET', MANIFEST_PATH)).toBe(fetched + 1);
    const child = await call(setup.berth.url, 'GET', `/v2/hub/library/indexed/manifests/${upstreamReferrer.digest}`, { headers: accept });
    expect(child.headers.get('cache-status')).toBe('Berth; hit');
    // A child neither here nor upstream is still MANIFEST_BLOB_UNKNOWN.
    const bogus = ociManifest({ config: descriptor(MEDIA.ociEmpty, EMPTY_JSON), layers: [], subject: descriptor(MEDIA.ociManifest, image.manifest) });
    const refused = await putManifest(setup.berth.url, 'hub/indexed', `${image.manifest.digest.replace(':', '-')}`, ociIndex({ manifests: [manifestDescriptor(bogus)] }));
    expectOciError(refused, 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('none: refuses even blobs', async () => {
    const started = await call(setup.berth.url, 'POST', '/v2/locked/x/blobs/uploads/', { headers: { 'content-length': '0' } });
    expectOciError(started, 403, 'DENIED');
    expect(started.json<{ errors: Array<{ message: string }> }>().errors[0]?.message).toContain('push policy "none"');
  });

  it('all: takes a new tag, but never one that exists upstream', async () => {
    await pushImage(setup.upstream.url, 'mine', 'upstream-tag', [10]);
    const layer = randomBlob(16);
    const config = randomBlob(16);
    await pushBlob(setup.berth.url, 'open/mine', layer);
    await pushBlob(setup.berth.url, 'open/mine', config);
    const local = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, layer)] });
    expect((await putManifest(setup.berth.url, 'open/mine', 'local-tag', local)).status).toBe(201);
    const shadow = await putManifest(setup.berth.url, 'open/mine', 'upstream-tag', local);
    expectOciError(shadow, 403, 'DENIED');
    expect(shadow.text()).toContain('exists upstream');
    const served = await call(setup.berth.url, 'GET', '/v2/open/mine/manifests/local-tag', { headers: accept });
    expect(served.headers.get('docker-content-digest')).toBe(local.digest);
    expect(served.headers.get('cache-status')).toBe('Berth; hit');
  });
});
