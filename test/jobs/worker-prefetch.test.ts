import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_ACCEPT, MEDIA, digestOf, type ManifestDoc } from '../api/content.js';
import { call } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { startTestWorker, type WorkerUnderTest } from '../harness/worker.js';
import { pushCosignSignature } from '../proxy/referrers-fixtures.js';
import { waitFor } from './helpers/wait.js';

// Production topology: a registry that only enqueues (Redis configured, jobs.worker auto) and a
// separate worker process sharing its Postgres, blob store and Redis. A pull of a multi-platform
// tag makes the worker prefetch the configured platform's manifest and blobs and the referrers
// (a cosign signature), and nothing of the other platform; afterwards the pull is all hits, with
// the upstream down.

let upstream: DockerRegistryUnderTest;
let relay: FaultRelay;
let pg: TestPostgres;
let redis: TestRedis;
let berth: BerthUnderTest;
let worker: WorkerUnderTest;
let work: string;
let image: BuiltImage;
let signature: ManifestDoc;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-prefetch-'));
  upstream = await startDockerRegistry();
  relay = await startFaultRelay(upstream.url);
  pg = await startPostgres();
  redis = await startRedis();
  image = await buildImageLayout(join(work, 'layout'), {
    tag: 'v1',
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
    layerSizes: [150_000],
  });
  await skopeoCopy(`oci:${image.dir}:v1`, `docker://${upstream.host}/library/app:v1`, { all: true, preserveDigests: true });
  const arm64 = await call(upstream.url, 'GET', `/v2/library/app/manifests/${image.manifestDigests[1]}`, { headers: { Accept: MEDIA.ociManifest } });
  const subject: ManifestDoc = { bytes: arm64.body, digest: digestOf(arm64.body), size: arm64.body.length, mediaType: MEDIA.ociManifest, json: {} };
  signature = await pushCosignSignature(upstream.url, 'library/app', subject);
  const blobRoot = join(work, 'blobs');
  const shared = {
    database: { url: pg.url },
    storage: { driver: 'fs', fs: { root: blobRoot } },
    redis: { url: redis.url },
    projects: [{ kind: 'proxy', name: 'hub', referrersProxy: true, upstream: { url: relay.url }, prefetch: { enabled: true, platforms: ['linux/arm64'] } }],
  };
  berth = await startBerth({ config: shared });
  worker = await startTestWorker(shared);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await berth?.stop();
  await redis?.stop();
  await pg?.stop();
  await relay?.stop();
  await upstream?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const gets = (path: string) => relay.count('GET', new RegExp(`/v2/library/app/${path}$`));

describe('prefetch run by a separate worker', () => {
  it('fetches the configured platform, its blobs and its referrers after a pull of the tag, and nothing else', async () => {
    const [amd64, arm64] = image.manifestDigests as [string, string];
    const index = await call(berth.url, 'GET', '/v2/hub/library/app/manifests/v1', { headers: { Accept: MANIFEST_ACCEPT } });
    expect(index.status).toBe(200);
    expect(digestOf(index.body)).toBe(image.indexDigest);

    const arm64Manifest = JSON.parse((await call(upstream.url, 'GET', `/v2/library/app/manifests/${arm64}`, { headers: { Accept: MEDIA.ociManifest } })).body.toString()) as {
      config: { digest: string };
      layers: Array<{ digest: string }>;
    };
    const arm64Blobs = [arm64Manifest.config.digest, ...arm64Manifest.layers.map((layer) => layer.digest)];
    const signatureBlobs = (signature.json.layers as Array<{ digest: string }>).map((layer) => layer.digest);
    // The registry enqueued; the worker ran it.
    const completed = /berth_job_duration_seconds_count\{job="prefetch",outcome="completed"\} 1\n/;
    await waitFor(async () => completed.test((await call(worker.url, 'GET', '/metrics')).body.toString()), 'the worker to complete the prefetch job', 60_000);
    for (const digest of [...arm64Blobs, ...signatureBlobs]) expect(gets(`blobs/${digest}`)).toBe(1);
    expect(gets(`manifests/${arm64}`)).toBe(1);
    expect(gets(`manifests/${amd64}`)).toBe(0);
    const amd64Manifest = JSON.parse((await call(upstream.url, 'GET', `/v2/library/app/manifests/${amd64}`, { headers: { Accept: MEDIA.ociManifest } })).body.toString()) as typeof arm64Manifest;
    const amd64Only = [amd64Manifest.config.digest, ...amd64Manifest.layers.map((layer) => layer.digest)].filter((digest) => !arm64Blobs.includes(digest));
    expect(amd64Only.length).toBeGreaterThanOrEqual(2); // its config and its platform-specific layer
    for (const digest of amd64Only) expect(gets(`blobs/${digest}`)).toBe(0);
    const registryMetrics = (await call(berth.url, 'GET', '/metrics')).body.toString();
    expect(registryMetrics).not.toMatch(/berth_job_duration_seconds_count\{job="prefetch"/);
    expect((await call(worker.url, 'GET', '/healthz')).status).toBe(200);

    // The next pull of the platform is all hits, with the upstream down.
    await relay.down();
    try {
      for (const path of [`manifests/${arm64}`, `manifests/${signature.digest}`]) {
        const res = await call(berth.url, 'GET', `/v2/hub/library/app/${path}`, { headers: { Accept: MANIFEST_ACCEPT } });
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-status')).toContain('hit');
      }
      for (const digest of [...arm64Blobs, ...signatureBlobs]) {
        const res = await call(berth.url, 'GET', `/v2/hub/library/app/blobs/${digest}`);
        expect(res.status).toBe(200);
        expect(digestOf(res.body)).toBe(digest);
        expect(res.headers.get('cache-status')).toContain('hit');
      }
    } finally {
      await relay.up();
    }
  });
});
