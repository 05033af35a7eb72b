import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { tokenFetch, type DanceResult } from '../auth/token-dance.js';
import { MANIFEST_PATH, pushUpstreamImage, startProxySetup, type ProxySetup } from '../proxy/setup.js';
import { ADMIN, AdminApi, errorOf } from './api.js';

// Cache statistics and purge of a proxy project: after a pull-through, purging forgets the cached
// manifests and blob links, the statistics shrink, and the next pull goes to the upstream again.

interface Stats {
  project: string;
  repositories: number;
  manifests: number;
  blobs: number;
  blobBytes: number;
  lastPulledAt: string | null;
  hits: number;
  misses: number;
  quota: { maxBytes: number; lowWaterPercent: number; usedPercent: number } | null;
  retentionDays: number | null;
}

let setup: ProxySetup;
let api: AdminApi;
let work: string;
const credentials = { username: ADMIN.name, password: ADMIN.password };
const REPOSITORY = 'hub/library/app';
/** Config and layers of the image (its builder adds a small first layer to the sizes asked for). */
let imageBlobs = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-admin-cache-'));
  setup = await startProxySetup([{ kind: 'proxy', name: 'hub' }], { auth: { admin: { password: ADMIN.password } } });
  api = new AdminApi(setup.berth.url);
  await pushUpstreamImage(setup, work, 'app', { tag: 'v1', layerSizes: [4096] });
}, 120_000);

afterAll(async () => {
  await setup?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const pullManifest = (repository = REPOSITORY): Promise<DanceResult> =>
  tokenFetch(setup.berth.url, 'GET', `/v2/${repository}/manifests/v1`, { headers: { Accept: MANIFEST_ACCEPT } }, credentials);
const stats = (project = 'hub'): Promise<Stats> => api.expect<Stats>(200, 'GET', `/projects/${project}/cache/stats`, { as: ADMIN });

/** Pull the manifest and every blob it names; the manifest answer and how many blobs it names. */
async function pullImage(repository = REPOSITORY): Promise<{ manifest: DanceResult; blobs: number }> {
  const manifest = await pullManifest(repository);
  expect(manifest.status).toBe(200);
  const doc = manifest.json<{ config: { digest: string }; layers: Array<{ digest: string }> }>();
  for (const digest of [doc.config.digest, ...doc.layers.map((layer) => layer.digest)]) {
    const blob = await tokenFetch(setup.berth.url, 'GET', `/v2/${repository}/blobs/${digest}`, {}, credentials);
    expect(blob.status).toBe(200);
  }
  return { manifest, blobs: 1 + doc.layers.length };
}

describe('cache statistics and purge', () => {
  it('counts what a pull-through cached, and the hits and misses', async () => {
    const empty = await stats();
    expect(empty).toMatchObject({ project: 'hub', repositories: 0, manifests: 0, blobs: 0, blobBytes: 0, lastPulledAt: null });
    const pulledFrom = Date.now();

    const first = await pullImage();
    expect(first.manifest.headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
    imageBlobs = first.blobs;
    const again = await pullManifest();
    expect(again.headers.get('cache-status')).toMatch(/^Berth; hit/);

    const filled = await stats();
    expect(filled.repositories).toBe(1);
    expect(filled.manifests).toBe(1);
    expect(filled.blobs).toBe(imageBlobs);
    expect(filled.blobBytes).toBeGreaterThan(4096);
    expect(filled.hits).toBeGreaterThan(empty.hits);
    expect(filled.misses).toBeGreaterThan(empty.misses);
    // Written in the background on the first pull; seconds resolution is plenty.
    expect(Date.parse(filled.lastPulledAt ?? '')).toBeGreaterThanOrEqual(pulledFrom - 1000);
  });

  it('purges one repository: fewer manifests, and the next pull is a miss again', async () => {
    const before = await stats();
    const upstreamGets = setup.relay.count('GET', MANIFEST_PATH);
    const purged = await api.expect(200, 'POST', '/projects/hub/cache/purge', { as: ADMIN, body: { repository: REPOSITORY } });
    expect(purged).toEqual({ project: 'hub', repository: REPOSITORY, manifests: 1, blobLinks: imageBlobs });

    const after = await stats();
    expect(after.manifests).toBeLessThan(before.manifests);
    expect(after.blobs).toBe(0);

    const next = await pullManifest();
    expect(next.status).toBe(200);
    expect(next.headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
    expect(setup.relay.count('GET', MANIFEST_PATH)).toBe(upstreamGets + 1);
  });

  it('purges the whole project', async () => {
    await pullImage();
    const purged = await api.expect<{ manifests: number }>(200, 'POST', '/projects/hub/cache/purge', { as: ADMIN, body: {} });
    expect(purged.manifests).toBe(1);
    expect(await stats()).toMatchObject({ manifests: 0, blobs: 0, blobBytes: 0 });
    expect((await pullManifest()).headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
  });

  it('reports the stored bytes against a quota set through the API, and the retention', async () => {
    // `hub` is declared in the configuration, which owns its settings: a project of the API's own.
    expect((await api.call('PATCH', '/projects/hub', { as: ADMIN, body: { retentionDays: 7 } })).status).toBe(409);
    await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'proxy', name: 'apihub', upstream: { url: setup.relay.url } } });
    await pullImage('apihub/library/app');
    const patched = await api.expect<{ quota?: unknown; retentionDays?: number }>(200, 'PATCH', '/projects/apihub', { as: ADMIN, body: { quota: { maxBytes: '1MiB' }, retentionDays: 7 } });
    expect(patched).toMatchObject({ quota: { maxBytes: 1024 * 1024, lowWaterPercent: 80 }, retentionDays: 7 });
    const withQuota = await stats('apihub');
    expect(withQuota.blobBytes).toBeGreaterThan(4096);
    expect(withQuota).toMatchObject({ retentionDays: 7, quota: { maxBytes: 1024 * 1024, lowWaterPercent: 80, usedPercent: Math.round((withQuota.blobBytes / (1024 * 1024)) * 1000) / 10 } });
    const refused = await api.call('PATCH', '/projects/apihub', { as: ADMIN, body: { quota: { maxBytes: 'lots' } } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(errorOf(refused).detail)).toContain('quota.maxBytes');
  });

  it('shows the background jobs to system administrators', async () => {
    const jobs = await api.expect<{ enabled: boolean; counts: Record<string, number>; recentFailures: unknown[] }>(200, 'GET', '/jobs', { as: ADMIN });
    expect(jobs.enabled).toBe(true);
    // The three maintenance schedules (eviction, garbage collection, upload cleanup) wait for their next run.
    expect(jobs.counts).toMatchObject({ delayed: 3, failed: 0 });
    expect(jobs.recentFailures).toEqual([]);
  });

  it('refuses a repository outside the project', async () => {
    const answer = await api.call('POST', '/projects/hub/cache/purge', { as: ADMIN, body: { repository: 'other/library/app' } });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).detail).toEqual([{ field: 'repository', message: expect.stringContaining('project hub') }]);
  });
});
