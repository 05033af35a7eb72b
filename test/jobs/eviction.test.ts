import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_ACCEPT, MEDIA, digestOf, type ManifestDoc } from '../api/content.js';
import { createFsBlobStore } from '@berth/storage';
import { call } from '../api/helpers.js';
import { waitFor } from './helpers/wait.js';
import { pushArtifact, readReferrers, NOTATION_SIGNATURE, SIGSTORE_BUNDLE } from '../proxy/referrers-fixtures.js';
import { pushUpstreamImage, startProxySetup, type ProxySetup } from '../proxy/setup.js';
import type { BuiltImage } from '../harness/oci-image.js';
import { startPostgres } from '../harness/postgres.js';
import { startRedis } from '../harness/redis.js';
import { startTestWorker } from '../harness/worker.js';

// Eviction by bytes end to end: three cached images sharing one layer in a proxy project with a
// quota; the least recently pulled image goes with its cached referrers, the shared layer stays,
// the garbage collector deletes the evicted image's own layer, and pulling it again refetches it.
// Run twice: embedded (in-process job runner) and as deployed (Postgres, Redis, BullMQ, and a
// separate worker doing the eviction and the collection while the registry only serves).

const KIB = 1024;
const SHARED = 200 * KIB;
const UNIQUE = 100 * KIB;

const RUNNERS = (process.env.BERTH_JOBS_RUNNERS ?? 'in-process,bullmq').split(',');

let setup: ProxySetup;
let work: string;
/** Where the registry's filesystem store keeps blobs (to see the collector delete bytes). */
let blobRoot: string;
let images: Record<string, BuiltImage> = {};
const cleanups: Array<() => Promise<void>> = [];

const blobGets = (digest: string) => setup.relay.count('GET', new RegExp(`/blobs/${digest}$`));

async function pullImage(name: string): Promise<void> {
  const image = images[name]!;
  const manifest = await call(setup.berth.url, 'GET', `/v2/hub/library/${name}/manifests/v1`, { headers: { Accept: MANIFEST_ACCEPT } });
  expect(manifest.status).toBe(200);
  const parsed = JSON.parse(manifest.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const digest of [parsed.config.digest, ...parsed.layers.map((layer) => layer.digest)]) {
    const blob = await call(setup.berth.url, 'GET', `/v2/hub/library/${name}/blobs/${digest}`);
    expect(blob.status).toBe(200);
    expect(digestOf(blob.body)).toBe(digest);
  }
  expect(image.topDigest).toBe(digestOf(manifest.body));
}

/**
 * With the upstream down, none of `references` of b is answered from the cache any more (503s
 * instead of cached 200s). A registry that did not evict (the worker did) hears of it through the
 * change notice on Redis.
 */
async function evictedFromB(references: string[]): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 250));
  await setup.relay.down();
  try {
    for (const reference of references) {
      const res = await call(setup.berth.url, 'GET', `/v2/hub/library/b/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
      if (res.status !== 503) return false;
    }
    return true;
  } finally {
    await setup.relay.up();
  }
}

async function upstreamManifest(name: string): Promise<ManifestDoc> {
  const res = await call(setup.upstream.url, 'GET', `/v2/library/${name}/manifests/v1`, { headers: { Accept: MANIFEST_ACCEPT } });
  return { bytes: res.body, digest: digestOf(res.body), size: res.body.length, mediaType: MEDIA.ociManifest, json: JSON.parse(res.body.toString()) as Record<string, unknown> };
}

const JOBS = { evictionIntervalSeconds: 1, gcIntervalSeconds: 1, gcGraceSeconds: 1 };
const PROJECT = { kind: 'proxy', name: 'hub', quota: { maxBytes: SHARED + 3 * UNIQUE, lowWaterPercent: 85 } };

/** Embedded: the registry runs the jobs. BullMQ: a worker does, sharing the registry's Postgres, blobs and Redis. */
async function start(runner: string): Promise<void> {
  work = await mkdtemp(join(tmpdir(), 'berth-eviction-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  if (runner === 'in-process') {
    setup = await startProxySetup([PROJECT], { jobs: JOBS });
    blobRoot = join(setup.berth.dataDir, 'blobs');
  } else {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const shared = { database: { url: pg.url }, redis: { url: redis.url }, storage: { driver: 'fs', fs: { root: join(work, 'blobs') } }, jobs: JOBS };
    setup = await startProxySetup([PROJECT], shared);
    blobRoot = join(work, 'blobs');
    const worker = await startTestWorker({ ...shared, projects: [{ ...PROJECT, upstream: { url: setup.relay.url } }] });
    cleanups.unshift(() => worker.stop());
  }
  cleanups.unshift(() => setup.stop());
  images = {};
  for (const name of ['a', 'b', 'c']) {
    images[name] = await pushUpstreamImage(setup, work, name, { tag: 'v1', layerSizes: [SHARED, UNIQUE], layerSeeds: ['shared', name] });
  }
}

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

describe.each(RUNNERS)('eviction under a quota (%s job runner)', (runner) => {
  beforeAll(() => start(runner), 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  });

  it('evicts the least recently pulled image with its cached referrers; shared blobs and local referrers stay', async () => {
    const [shared, uniqueB] = [images.b!.layers.find((l) => l.size > SHARED)!, images.b!.layers.find((l) => l.size > UNIQUE && l.size < SHARED)!];
    expect(images.a!.layers.map((l) => l.digest)).toContain(shared.digest);

    // b is pulled first, so it is the least recently used once a and c follow.
    const subjectB = await upstreamManifest('b');
    const cachedSignature = await pushArtifact(setup.upstream.url, 'library/b', subjectB, SIGSTORE_BUNDLE);
    await pullImage('b');
    // The publisher's signature, pulled through Berth: cached, with b as its subject.
    expect((await call(setup.berth.url, 'GET', `/v2/hub/library/b/manifests/${cachedSignature.digest}`, { headers: { Accept: MEDIA.ociManifest } })).status).toBe(200);
    // The security team's own signature, pushed to Berth: local, never evicted.
    const localSignature = await pushArtifact(setup.berth.url, 'hub/library/b', subjectB, NOTATION_SIGNATURE);
    const listed = await readReferrers(setup.berth.url, `/v2/hub/library/b/referrers/${subjectB.digest}`);
    expect(new Set(listed.digests)).toEqual(new Set([localSignature.digest, cachedSignature.digest]));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // distinct last-pull times
    await pullImage('a');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await pullImage('c'); // now over the quota: about SHARED + 3 × UNIQUE plus configs and small layers

    const before = blobGets(uniqueB.digest);
    // Evicted (by whichever process runs the jobs): its tag is gone, so it is fetched from the upstream.
    await waitFor(() => evictedFromB(['v1', subjectB.digest, cachedSignature.digest]), 'image b and its cached signature evicted', 60_000);

    // The shared layer is still cached: served with the upstream down.
    await setup.relay.down();
    try {
      const sharedRead = await call(setup.berth.url, 'GET', `/v2/hub/library/a/blobs/${shared.digest}`);
      expect(sharedRead.status).toBe(200);
      expect(digestOf(sharedRead.body)).toBe(shared.digest);
      // a and c were not evicted: their manifests are answered from the cache.
      for (const name of ['a', 'c']) {
        const res = await call(setup.berth.url, 'GET', `/v2/hub/library/${name}/manifests/${images[name]!.topDigest}`, { headers: { Accept: MANIFEST_ACCEPT } });
        expect(res.status).toBe(200);
      }
      // b's own layer is no longer b's: with the upstream down it cannot be served (nor confirmed).
      expect((await call(setup.berth.url, 'GET', `/v2/hub/library/b/blobs/${uniqueB.digest}`)).status).toBe(503);
      const store = createFsBlobStore({ root: blobRoot });
      await waitFor(async () => (await store.stat(uniqueB.digest)) === null, "b's unique layer deleted by the garbage collector", 20_000);
      // The local signature stays, the cached one went with its subject.
      const referrers = await readReferrers(setup.berth.url, `/v2/hub/library/b/referrers/${subjectB.digest}`);
      expect(referrers.digests).toEqual([localSignature.digest]);
    } finally {
      await setup.relay.up();
    }

    // Pulling b again fetches what was evicted, byte for byte.
    await pullImage('b');
    expect(blobGets(uniqueB.digest)).toBe(before + 1);
    const refetched = await call(setup.berth.url, 'GET', `/v2/hub/library/b/manifests/${cachedSignature.digest}`, { headers: { Accept: MEDIA.ociManifest } });
    expect(refetched.headers.get('cache-status')).toContain('fwd=miss');
  });
});
