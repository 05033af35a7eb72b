import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { MANIFEST_ACCEPT, MEDIA, descriptor, ociIndex, unknownDigest } from '../api/content.js';
import { call, expectOciError } from '../api/helpers.js';
import { pushImage, pushManifest } from '../upstream/push.js';
import { MANIFEST_PATH, startProxySetup, type ProxySetup } from './setup.js';

// Manifests and tags through proxy projects: cache hits, tag TTL and revalidation, stale serving
// while the upstream is down, negative caching, byte-for-byte indexes.

let setup: ProxySetup;
const accept = { accept: MANIFEST_ACCEPT };

beforeAll(async () => {
  setup = await startProxySetup([
    { name: 'hub', kind: 'proxy', tagTtlSeconds: 300, negativeTtlSeconds: 60, nameMapping: { dockerHubLibrary: 'on' } },
    { name: 'fresh', kind: 'proxy', tagTtlSeconds: 0, maxStaleSeconds: 3600 },
    { name: 'strict', kind: 'proxy', tagTtlSeconds: 0, maxStaleSeconds: 0 },
  ]);
}, 60_000);

afterAll(async () => {
  await setup?.stop();
});

const manifestRequests = () => ({
  get: setup.relay.count('GET', MANIFEST_PATH),
  head: setup.relay.count('HEAD', MANIFEST_PATH),
});

describe('by tag within the TTL', () => {
  it('fetches once, then answers from the cache with the upstream bytes and no upstream contact', async () => {
    const image = await pushImage(setup.upstream.url, 'library/app', 'v1', [1000]);
    const before = manifestRequests();
    const first = await call(setup.berth.url, 'GET', '/v2/hub/app/manifests/v1', { headers: accept });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
    expect(first.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(first.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    expect(first.headers.get('content-type')).toBe(MEDIA.ociManifest);
    const afterMiss = manifestRequests();
    expect(afterMiss.get - before.get).toBe(1);

    for (const method of ['GET', 'HEAD']) {
      const again = await call(setup.berth.url, method, '/v2/hub/app/manifests/v1', { headers: accept });
      expect(again.status).toBe(200);
      expect(again.headers.get('cache-status')).toMatch(/^Berth; hit; ttl=\d+$/);
      expect(again.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    }
    const byDigest = await call(setup.berth.url, 'GET', `/v2/hub/app/manifests/${image.manifest.digest}`, { headers: accept });
    expect(byDigest.headers.get('cache-status')).toBe('Berth; hit');
    expect(byDigest.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(manifestRequests()).toEqual(afterMiss);
  });

  it('keeps an index byte-for-byte and fetches an uncached digest once', async () => {
    const a = await pushImage(setup.upstream.url, 'library/multi', 'a', [10]);
    const b = await pushImage(setup.upstream.url, 'library/multi', 'b', [10]);
    const index = ociIndex({ manifests: [descriptor(MEDIA.ociManifest, a.manifest), descriptor(MEDIA.ociManifest, b.manifest)] });
    await pushManifest(setup.upstream.url, 'library/multi', 'both', index);
    const top = await call(setup.berth.url, 'GET', '/v2/hub/multi/manifests/both', { headers: accept });
    expect(top.headers.get('content-type')).toBe(MEDIA.ociIndex);
    expect(top.body.equals(Buffer.from(index.bytes))).toBe(true);
    const before = manifestRequests();
    const child = await call(setup.berth.url, 'GET', `/v2/hub/multi/manifests/${b.manifest.digest}`, { headers: accept });
    expect(child.headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
    expect(child.body.equals(Buffer.from(b.manifest.bytes))).toBe(true);
    expect(manifestRequests()).toEqual({ get: before.get + 1, head: before.head });
  });
});

describe('after the TTL', () => {
  it('revalidates with one HEAD and GETs only when the tag moved', async () => {
    const first = await pushImage(setup.upstream.url, 'team/svc', 'latest', [100]);
    await call(setup.berth.url, 'GET', '/v2/fresh/team/svc/manifests/latest', { headers: accept });
    const before = manifestRequests();
    for (let i = 0; i < 3; i += 1) {
      const again = await call(setup.berth.url, 'GET', '/v2/fresh/team/svc/manifests/latest', { headers: accept });
      expect(again.headers.get('cache-status')).toBe('Berth; fwd=stale; fwd-status=200; detail=revalidated');
      expect(again.headers.get('docker-content-digest')).toBe(first.manifest.digest);
    }
    expect(manifestRequests()).toEqual({ get: before.get, head: before.head + 3 });

    const moved = await pushImage(setup.upstream.url, 'team/svc', 'latest', [200]);
    const changed = await call(setup.berth.url, 'GET', '/v2/fresh/team/svc/manifests/latest', { headers: accept });
    expect(changed.headers.get('docker-content-digest')).toBe(moved.manifest.digest);
    expect(changed.body.equals(Buffer.from(moved.manifest.bytes))).toBe(true);
    expect(manifestRequests()).toEqual({ get: before.get + 1, head: before.head + 4 });
  });

  it('serves the cached copy while the upstream is down or failing, within max-stale only', async () => {
    const image = await pushImage(setup.upstream.url, 'team/outage', 'v1', [100]);
    for (const project of ['fresh', 'strict']) await call(setup.berth.url, 'GET', `/v2/${project}/team/outage/manifests/v1`, { headers: accept });

    const removeFault = setup.relay.fault({ path: MANIFEST_PATH, status: 503 });
    const failing = await call(setup.berth.url, 'GET', '/v2/fresh/team/outage/manifests/v1', { headers: accept });
    removeFault();
    expect(failing.status).toBe(200);
    expect(failing.headers.get('cache-status')).toMatch(/^Berth; hit; detail="stale: upstream .*503.*"$/);

    await setup.relay.down();
    try {
      const stale = await call(setup.berth.url, 'GET', '/v2/fresh/team/outage/manifests/v1', { headers: accept });
      expect(stale.status).toBe(200);
      expect(stale.headers.get('docker-content-digest')).toBe(image.manifest.digest);
      expect(stale.headers.get('cache-status')).toMatch(/^Berth; hit; detail="stale: upstream /);
      const byDigest = await call(setup.berth.url, 'GET', `/v2/strict/team/outage/manifests/${image.manifest.digest}`, { headers: accept });
      expect(byDigest.headers.get('cache-status')).toBe('Berth; hit');
      expectOciError(await call(setup.berth.url, 'GET', '/v2/strict/team/outage/manifests/v1', { headers: accept }), 503, 'UNAVAILABLE');
      expectOciError(await call(setup.berth.url, 'GET', '/v2/fresh/team/outage/manifests/never-cached', { headers: accept }), 503, 'UNAVAILABLE');
    } finally {
      await setup.relay.up();
    }
  });
});

describe('deletes', () => {
  it('a cached manifest deleted from Berth is fetched again, not served from memory', async () => {
    const image = await pushImage(setup.upstream.url, 'library/gone', 'v1', [10]);
    for (let i = 0; i < 2; i += 1) await call(setup.berth.url, 'GET', `/v2/hub/gone/manifests/${image.manifest.digest}`, { headers: accept });
    expect((await call(setup.berth.url, 'DELETE', `/v2/hub/gone/manifests/${image.manifest.digest}`)).status).toBe(202);
    const again = await call(setup.berth.url, 'GET', `/v2/hub/gone/manifests/${image.manifest.digest}`, { headers: accept });
    expect(again.status).toBe(200);
    expect(again.headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
  });
});

describe('misses', () => {
  it('answers 404 for what the upstream lacks and remembers it for the negative TTL', async () => {
    const before = manifestRequests();
    for (let i = 0; i < 3; i += 1) {
      expectOciError(await call(setup.berth.url, 'GET', '/v2/hub/nothing-here/manifests/v1', { headers: accept }), 404, 'MANIFEST_UNKNOWN');
      expectOciError(await call(setup.berth.url, 'GET', `/v2/hub/nothing-here/manifests/${unknownDigest()}`, { headers: accept }), 404, 'MANIFEST_UNKNOWN');
    }
    const after = manifestRequests();
    expect(after.head - before.head).toBe(1);
    expect(after.get - before.get).toBe(3); // every digest is a new one
  });
});

describe('metrics', () => {
  it('counts hits, misses, stale serves and upstream exchanges per project', async () => {
    const text = await (await fetch(`${setup.berth.url}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
    expect(value('berth_proxy_cache_hits_total{project="hub",kind="manifest"}')).toBeGreaterThanOrEqual(3);
    expect(value('berth_proxy_cache_misses_total{project="hub",kind="manifest"}')).toBeGreaterThanOrEqual(2);
    expect(value('berth_proxy_stale_served_total{project="fresh"}')).toBeGreaterThanOrEqual(2);
    const upstream = new URL(setup.relay.url).host; // an upstream's label: its host, unless named
    expect(value(`berth_proxy_upstream_requests_total{project="hub",upstream="${upstream}",kind="manifest-get",status="200"}`)).toBeGreaterThanOrEqual(2);
    expect(value(`berth_proxy_upstream_requests_total{project="fresh",upstream="${upstream}",kind="manifest-head",status="503"}`)).toBeGreaterThanOrEqual(1);
  });
});
