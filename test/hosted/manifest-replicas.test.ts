import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { pushImage } from '../upstream/push.js';

// Replicas on one PostgreSQL database. With Redis each remembers hosted manifests it served, and
// the project's content version there tells every replica of a push or delete through another one,
// so the next GET is right. Without Redis they cannot hear of each other's writes, so they remember
// nothing: the next GET is right there too (remembering, even for the 30 s default, fails the second test).

jest.setTimeout(180_000);

let redis: TestRedis;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedis();
  cleanups.push(() => redis.stop());
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Two replicas (authentication off) on a fresh database, with or without the shared Redis. */
async function startReplicas(withRedis: boolean): Promise<[BerthUnderTest, BerthUnderTest]> {
  const pg: TestPostgres = await startPostgres();
  cleanups.push(() => pg.stop());
  const replicas: BerthUnderTest[] = [];
  const keyPrefix = `hosted-${pg.url.split('/').pop()}:`;
  // One after the other: each start migrates the database.
  for (let i = 0; i < 2; i += 1) {
    const replica = await startBerth({
      config: {
        database: { url: pg.url },
        ...(withRedis ? { redis: { url: redis.url, keyPrefix } } : {}),
        projects: [{ kind: 'hosted', name: 'team' }],
      },
    });
    cleanups.push(() => replica.stop());
    replicas.push(replica);
  }
  return replicas as [BerthUnderTest, BerthUnderTest];
}

/** The digest a GET answers (null for a 404), after a first GET that makes the replica remember it. */
async function served(replica: BerthUnderTest, repository: string, reference: string): Promise<string | null> {
  let digest: string | null = null;
  for (let i = 0; i < 2; i += 1) {
    const response = await fetch(`${replica.url}/v2/${repository}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
    await response.arrayBuffer();
    if (response.status !== 200 && response.status !== 404) throw new Error(`GET ${repository}:${reference} answered ${response.status}`);
    digest = response.status === 200 ? response.headers.get('docker-content-digest') : null;
  }
  return digest;
}

describe('hosted manifests remembered by replicas', () => {
  it('with Redis: a tag moved or deleted through one replica is seen by the other on its next GET', async () => {
    const [a, b] = await startReplicas(true);
    const first = await pushImage(a.url, 'team/app', 'latest', [300]);
    expect(await served(b, 'team/app', 'latest')).toBe(first.manifest.digest);
    const second = await pushImage(a.url, 'team/app', 'latest', [301]);
    expect(await served(b, 'team/app', 'latest')).toBe(second.manifest.digest);
    expect(await served(b, 'team/app', first.manifest.digest)).toBe(first.manifest.digest);
    expect((await fetch(`${a.url}/v2/team/app/manifests/latest`, { method: 'DELETE' })).status).toBe(202);
    expect(await served(b, 'team/app', 'latest')).toBeNull();
    expect((await fetch(`${a.url}/v2/team/app/manifests/${first.manifest.digest}`, { method: 'DELETE' })).status).toBe(202);
    expect(await served(b, 'team/app', first.manifest.digest)).toBeNull();
  });

  it('without Redis: a tag moved or deleted through one replica is seen by the other on its next GET', async () => {
    const [a, b] = await startReplicas(false);
    const first = await pushImage(a.url, 'team/app', 'latest', [302]);
    expect(await served(b, 'team/app', 'latest')).toBe(first.manifest.digest);
    const second = await pushImage(a.url, 'team/app', 'latest', [303]);
    expect(await served(b, 'team/app', 'latest')).toBe(second.manifest.digest);
    expect((await fetch(`${a.url}/v2/team/app/manifests/latest`, { method: 'DELETE' })).status).toBe(202);
    expect(await served(b, 'team/app', 'latest')).toBeNull();
  });
});
