import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedisClient, createRedisClient, type Redis } from '@berth/redis';
import { referrersTagFor } from '@berth/oci';
import { blobOf, manifestDescriptor, ociIndex, type Blob } from '../api/content.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { pseudoRandomBytes } from '../harness/oci-image.js';
import { startPostgres } from '../harness/postgres.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { pushBlob, pushImage, pushManifest } from '../upstream/push.js';
import { pushArtifact } from './referrers-fixtures.js';

// Two Berth replicas sharing one Postgres database and one blob directory, as a deployment behind a
// load balancer would, pulling one cold blob at the same moment. With Redis they fetch it from the
// upstream once between them; without it (the control) once each, which shows the test can fail.

const MiB = 1024 * 1024;
const CLIENTS_PER_REPLICA = 4;
/** The upstream answers blob GETs this late, so every client has asked before any fill can finish. */
const UPSTREAM_DELAY_MS = 500;

let upstream: DockerRegistryUnderTest;
let relay: FaultRelay;
let redis: TestRedis;
let inspector: Redis;

beforeAll(async () => {
  upstream = await startDockerRegistry();
  relay = await startFaultRelay(upstream.url);
  redis = await startRedis();
  inspector = createRedisClient(redis.url);
}, 60_000);

afterAll(async () => {
  if (inspector !== undefined) await closeRedisClient(inspector);
  await redis?.stop();
  await relay?.stop();
  await upstream?.stop();
});

interface Replicas {
  replicas: BerthUnderTest[];
  stop(): Promise<void>;
}

/** Two Berths on a fresh database and blob root of their own, each with its own dataDir (spool). */
async function startReplicas(redisUrl: string | undefined): Promise<Replicas> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const blobRoot = await mkdtemp(join(tmpdir(), 'berth-replicas-blobs-'));
    cleanups.push(() => rm(blobRoot, { recursive: true, force: true }));
    const config = {
      database: { url: pg.url },
      storage: { driver: 'fs', fs: { root: blobRoot } },
      projects: [{ name: 'hub', kind: 'proxy', referrersProxy: true, upstream: { url: relay.url } }],
      ...(redisUrl !== undefined ? { redis: { url: redisUrl } } : {}),
    };
    const replicas: BerthUnderTest[] = [];
    // One after the other: each start migrates the database and applies the configured projects.
    for (let i = 0; i < 2; i += 1) {
      const berth = await startBerth({ config });
      cleanups.push(() => berth.stop());
      replicas.push(berth);
    }
    return { replicas, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** GET a URL and hash the body as it streams. */
async function fetchAndHash(url: string): Promise<{ status: number; digest: string; bytes: number }> {
  const response = await fetch(url);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body ?? []) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { status: response.status, digest: `sha256:${hash.digest('hex')}`, bytes };
}

/** Push `blob` upstream, then have every client of both replicas GET it at once. */
async function pullFromBothReplicas(replicas: BerthUnderTest[], blob: Blob): Promise<{ upstreamGets: number; results: Array<Awaited<ReturnType<typeof fetchAndHash>>> }> {
  await pushBlob(upstream.url, 'big/shared', blob);
  const blobPath = new RegExp(`/blobs/${blob.digest}$`);
  const removeDelay = relay.fault({ method: 'GET', path: blobPath, delayMs: UPSTREAM_DELAY_MS });
  try {
    const urls = replicas.flatMap((berth) => Array.from({ length: CLIENTS_PER_REPLICA }, () => `${berth.url}/v2/hub/big/shared/blobs/${blob.digest}`));
    const results = await Promise.all(urls.map((url) => fetchAndHash(url)));
    return { upstreamGets: relay.count('GET', blobPath), results };
  } finally {
    removeDelay();
  }
}

describe('two replicas pulling one cold 64 MiB blob at once', () => {
  it('with Redis: one upstream GET between them, every client gets the right bytes', async () => {
    const { replicas, stop } = await startReplicas(redis.url);
    try {
      const blob = blobOf(pseudoRandomBytes('replicas-with-redis', 64 * MiB));
      const key = `berth:fill:${blob.digest}`;
      // Sample the lock key while the replicas pull, to see the lock really was taken in Redis.
      let sawLock = false;
      let pulling = true;
      const watching = (async () => {
        while (pulling) {
          if ((await inspector.exists(key)) === 1) sawLock = true;
          await sleep(20);
        }
      })();
      const { upstreamGets, results } = await pullFromBothReplicas(replicas, blob).finally(() => {
        pulling = false;
      });
      await watching;
      expect(results).toHaveLength(2 * CLIENTS_PER_REPLICA);
      for (const result of results) expect(result).toEqual({ status: 200, digest: blob.digest, bytes: blob.size });
      expect(upstreamGets).toBe(1);
      expect(sawLock).toBe(true);

      // The fill's lock is released once the blob is published (just after the last byte is served).
      const deadline = Date.now() + 30_000; // waited for; only a hung release reaches the bound
      while ((await inspector.exists(key)) === 1 && Date.now() < deadline) await sleep(50);
      expect(await inspector.exists(key)).toBe(0);
    } finally {
      await stop();
    }
  }, 180_000);

  it('without Redis (control): each replica fetches the blob itself', async () => {
    const { replicas, stop } = await startReplicas(undefined);
    try {
      const blob = blobOf(pseudoRandomBytes('replicas-without-redis', 64 * MiB));
      const { upstreamGets, results } = await pullFromBothReplicas(replicas, blob);
      expect(results).toHaveLength(2 * CLIENTS_PER_REPLICA);
      for (const result of results) expect(result).toEqual({ status: 200, digest: blob.digest, bytes: blob.size });
      expect(upstreamGets).toBe(2);
    } finally {
      await stop();
    }
  }, 180_000);
});

describe('two replicas answering referrers', () => {
  it('with Redis: the upstream list one replica fetched is a cache hit on the other', async () => {
    const { replicas, stop } = await startReplicas(redis.url);
    try {
      const image = (await pushImage(upstream.url, 'team/signed', 'v1', [64])).manifest;
      const sbom = await pushArtifact(upstream.url, 'team/signed', image, 'application/vnd.example.sbom');
      await pushManifest(upstream.url, 'team/signed', referrersTagFor(image.digest), ociIndex({ manifests: [manifestDescriptor(sbom, { artifactType: 'application/vnd.example.sbom' })] }));
      const path = `/v2/hub/team/signed/referrers/${image.digest}`;
      const asked = () => relay.requests().filter((r) => /\/referrers\/|\/manifests\/sha256-/.test(r.path)).length;

      const first = await fetch(`${replicas[0]!.url}${path}`);
      expect(first.headers.get('cache-status')).toBe('Berth; fwd=miss; stored');
      expect(((await first.json()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest)).toEqual([sbom.digest]);
      const afterFirst = asked();
      expect(afterFirst).toBeGreaterThan(0);
      expect(await inspector.hlen('berth:rc:values')).toBe(1);

      const second = await fetch(`${replicas[1]!.url}${path}`);
      expect(second.headers.get('cache-status')).toMatch(/^Berth; hit; ttl=\d+$/);
      expect(((await second.json()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest)).toEqual([sbom.digest]);
      expect(asked()).toBe(afterFirst);

      // Replica 1 now remembers its answer; a signature pushed through replica 0 shows there at once.
      const mine = await pushArtifact(replicas[0]!.url, 'hub/team/signed', image, 'application/vnd.example.signature');
      const third = await fetch(`${replicas[1]!.url}${path}`);
      expect(((await third.json()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest)).toEqual([mine.digest, sbom.digest]);

      // Replica 1 remembers the signature manifest in memory; deleted through replica 0, it is gone
      // from replica 1 at once too (the change notice over Redis, not the memory's 30 s maximum age).
      const manifestPath = `/v2/hub/team/signed/manifests/${mine.digest}`;
      const accept = { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } };
      for (let i = 0; i < 2; i += 1) expect((await fetch(`${replicas[1]!.url}${manifestPath}`, accept)).status).toBe(200);
      expect((await fetch(`${replicas[0]!.url}${manifestPath}`, { method: 'DELETE' })).status).toBe(202);
      // Waited for; the bound stays well under the memory's 30 s maximum age, which it must beat.
      const deadline = Date.now() + 15_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        status = (await fetch(`${replicas[1]!.url}${manifestPath}`, accept)).status;
        if (status === 200) await sleep(20);
      }
      expect(status).toBe(404);
    } finally {
      await stop();
    }
  }, 120_000);
});
