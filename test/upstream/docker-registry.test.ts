import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createUpstreamClient, UpstreamUnavailableError } from '@berth/upstream';
import type { UpstreamClient, UpstreamOptions, UpstreamRequestKind } from '@berth/upstream';
import { MANIFEST_ACCEPT, MEDIA, unknownDigest } from '../api/content.js';
import { startDockerRegistry } from '../harness/docker-registry.js';
import type { DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay } from '../harness/fault-relay.js';
import type { FaultRelay } from '../harness/fault-relay.js';
import { pushImage, pushManifest, readAll } from './push.js';
import type { PushedImage } from './push.js';

// The upstream client against Debian's docker-registry (CNCF distribution 2.8), anonymous, with
// the fault relay in between for cut connections, 503s and a vanished upstream.

const ACCEPT = MANIFEST_ACCEPT.split(', ');
const REPO = 'library/app';
const TAG_COUNT = 23;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let registry: DockerRegistryUnderTest;
let relay: FaultRelay;
let image: PushedImage;
const clients: UpstreamClient[] = [];

beforeAll(async () => {
  registry = await startDockerRegistry();
  relay = await startFaultRelay(registry.url);
  image = await pushImage(registry.url, REPO, 'v1', [512, 3 * 1024 * 1024 + 5]);
  for (let i = 0; i < TAG_COUNT; i += 1) await pushManifest(registry.url, REPO, `t${String(i).padStart(2, '0')}`, image.manifest);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await relay?.stop();
  await registry?.stop();
});

afterEach(async () => {
  relay.clearFaults();
  await relay.up();
});

function client(url: string, extra: Partial<UpstreamOptions> = {}): UpstreamClient {
  const upstream = createUpstreamClient({ name: 'distribution', url, ...extra });
  clients.push(upstream);
  return upstream;
}

describe('manifests', () => {
  it('HEADs and GETs by tag and by digest, byte for byte', async () => {
    const upstream = client(registry.url);
    const expected = { digest: image.manifest.digest, mediaType: MEDIA.ociManifest, size: image.manifest.size };
    expect(await upstream.headManifest(REPO, 'v1', ACCEPT)).toEqual(expected);
    expect(await upstream.headManifest(REPO, image.manifest.digest, ACCEPT)).toEqual(expected);
    for (const reference of ['v1', image.manifest.digest]) {
      const fetched = await upstream.getManifest(REPO, reference, ACCEPT);
      expect(fetched).toMatchObject(expected);
      expect(fetched?.bytes.equals(image.manifest.bytes)).toBe(true);
    }
  });

  it('is null for an unknown tag, digest or repository', async () => {
    const upstream = client(registry.url);
    expect(await upstream.headManifest(REPO, 'nope', ACCEPT)).toBeNull();
    expect(await upstream.getManifest(REPO, unknownDigest(), ACCEPT)).toBeNull();
    expect(await upstream.getManifest('library/unknown', 'v1', ACCEPT)).toBeNull();
  });

  it('refuses a manifest whose bytes were corrupted on the way', async () => {
    const upstream = client(relay.url);
    relay.fault({ method: 'GET', path: /\/manifests\//, corruptAtByte: 10, times: 2 });
    await expect(upstream.getManifest(REPO, image.manifest.digest, ACCEPT)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    // By tag, the registry's Docker-Content-Digest gives the corruption away.
    await expect(upstream.getManifest(REPO, 'v1', ACCEPT)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
  });
});

describe('blobs', () => {
  it('HEADs a blob and is null for an unknown one', async () => {
    const upstream = client(registry.url);
    const layer = image.layers[1]!;
    expect(await upstream.headBlob(REPO, layer.digest)).toEqual({ size: layer.size });
    expect(await upstream.headBlob(REPO, unknownDigest())).toBeNull();
    expect(await upstream.openBlob(REPO, unknownDigest())).toBeNull();
  });

  it('resumes a blob cut mid-body by the relay, ending with the right sha256', async () => {
    const upstream = client(relay.url);
    const layer = image.layers[1]!;
    relay.fault({ method: 'GET', path: /\/blobs\/sha256:/, cutAfterBytes: 1_000_000, times: 2 });
    const blob = await upstream.openBlob(REPO, layer.digest);
    expect(blob?.size).toBe(layer.size);
    const bytes = await readAll(blob!.body);
    expect(bytes.length).toBe(layer.size);
    expect(sha256(bytes)).toBe(layer.digest);
    expect(relay.count('GET', new RegExp(`/blobs/${layer.digest}`))).toBe(3);
  });

  it('reads from an offset', async () => {
    const upstream = client(registry.url);
    const layer = image.layers[1]!;
    const blob = await upstream.openBlob(REPO, layer.digest, { offset: 1234 });
    expect(blob?.size).toBe(layer.size);
    expect((await readAll(blob!.body)).equals(layer.bytes.subarray(1234))).toBe(true);
  });
});

describe('tags', () => {
  // distribution 2.8 ignores `n` on tags/list (pagination of tags came in 3.0) and answers every
  // tag at once without a Link; following Link pages is covered by the unit tests (client.test.ts).
  it('lists every tag, asking with the page size as n', async () => {
    const kinds: UpstreamRequestKind[] = [];
    const upstream = client(relay.url, { tagsPageSize: 10, hooks: { onRequest: (e) => kinds.push(e.kind) } });
    const tags = await upstream.listTags(REPO);
    const expected = ['v1', ...Array.from({ length: TAG_COUNT }, (_, i) => `t${String(i).padStart(2, '0')}`)].sort();
    expect([...(tags ?? [])].sort()).toEqual(expected);
    expect(relay.count('GET', new RegExp(`^/v2/${REPO}/tags/list\\?n=10$`))).toBe(1);
    expect(kinds).toEqual(['tags']);
    expect(await upstream.listTags('library/unknown')).toBeNull();
  });
});

describe('an unavailable upstream', () => {
  it('opens the breaker after repeated 503s, fails fast, and recovers', async () => {
    const changes: string[] = [];
    // The breaker's clock moves only when the test says: "offline" holds however slow the machine is.
    let nowMs = Date.now();
    const upstream = client(relay.url, { breaker: { failures: 3, openMs: 400 }, hooks: { onBreakerChange: (s) => changes.push(s) }, now: () => nowMs });
    relay.fault({ path: /^\/v2\//, status: 503 });
    for (let i = 0; i < 3; i += 1) await expect(upstream.headManifest(REPO, 'v1', ACCEPT)).rejects.toMatchObject({ reason: 'status-503' });
    const before = relay.requests().length;
    const error = await upstream.getManifest(REPO, 'v1', ACCEPT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).reason).toBe('offline');
    expect(relay.requests().length).toBe(before);
    expect(upstream.breakerState()).toBe('offline');

    nowMs += 399;
    await expect(upstream.headManifest(REPO, 'v1', ACCEPT)).rejects.toMatchObject({ reason: 'offline' });
    relay.clearFaults();
    nowMs += 1;
    expect((await upstream.headManifest(REPO, 'v1', ACCEPT))?.digest).toBe(image.manifest.digest);
    expect(upstream.breakerState()).toBe('online');
    expect(changes).toEqual(['offline', 'online']);
  });

  it('reports a relay that stopped accepting as a connection failure, and works once it is back', async () => {
    const upstream = client(relay.url);
    await relay.down();
    await expect(upstream.headBlob(REPO, image.config.digest)).rejects.toMatchObject({ reason: 'connection' });
    await relay.up();
    expect(await upstream.headBlob(REPO, image.config.digest)).toEqual({ size: image.config.size });
  });

  it('times out when the answer comes too late', async () => {
    const upstream = client(relay.url, { timeouts: { headersMs: 200 } });
    relay.fault({ path: /\/manifests\//, delayMs: 1500, times: 1 });
    await expect(upstream.headManifest(REPO, 'v1', ACCEPT)).rejects.toMatchObject({ reason: 'timeout' });
  });
});
