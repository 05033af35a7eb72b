import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { closeRedisClient, createRedisClient, type Redis } from '@berth/redis';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { call, getManifest, pushImage } from '../api/helpers.js';
import { ecKey, enforce, pushCosignSignature } from './signed-content.js';

// Two replicas on one PostgreSQL and one Redis: a verdict reached by one is stored in Redis for the
// other, and a signature deleted through one replica is refused by the other on its next request
// (the project's content version in Redis keys the verdicts; no replica keeps an outdated one).

jest.setTimeout(180_000);

const KEY_PREFIX = 'sigtest:';
const team = ecKey();
let pg: TestPostgres;
let redis: TestRedis;
let inspect: Redis;
const replicas: BerthUnderTest[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  redis = await startRedis();
  inspect = createRedisClient(redis.url);
  // One after the other: each start migrates the database.
  for (let i = 0; i < 2; i += 1) {
    replicas.push(
      await startBerth({
        config: {
          database: { url: pg.url },
          redis: { url: redis.url, keyPrefix: KEY_PREFIX },
          projects: [{ kind: 'hosted', name: 'signed', signaturePolicy: enforce(team) }],
        },
      }),
    );
  }
});

afterAll(async () => {
  for (const replica of replicas.splice(0)) await replica.stop();
  if (inspect !== undefined) await closeRedisClient(inspect);
  await redis?.stop();
  await pg?.stop();
});

describe('verdicts across replicas', () => {
  it('are shared through Redis, and a deleted signature is refused by the other replica at once', async () => {
    const [a, b] = replicas as [BerthUnderTest, BerthUnderTest];
    const { manifest } = await pushImage(a.url, 'signed/app', 'v1');
    const signature = await pushCosignSignature(a.url, 'signed/app', team, manifest.digest);
    expect((await getManifest(a.url, 'signed/app', 'v1')).status).toBe(200);
    const stored = await inspect.hkeys(`${KEY_PREFIX}sv:rc:values`);
    expect(stored.some((key) => key.includes(`signed/app@${manifest.digest}#`))).toBe(true);
    expect((await getManifest(b.url, 'signed/app', 'v1')).status).toBe(200);
    // Deleted through replica A; replica B, which holds the passing verdict in memory, refuses.
    expect((await call(a.url, 'DELETE', `/v2/signed/app/manifests/${signature.digest}`)).status).toBe(202);
    expect((await getManifest(b.url, 'signed/app', 'v1')).status).toBe(403);
    expect((await getManifest(a.url, 'signed/app', 'v1')).status).toBe(403);
  });
});
