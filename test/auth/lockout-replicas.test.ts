import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { createUser } from './accounts.js';
import { ManualClock } from './manual-clock.js';
import { basicHeader, expectError, send, type Credentials } from './registry-http.js';

// Failed-login locks live in each replica's memory, but an administrator's unlock through one
// replica ends the account's locks on every replica: each lock remembers the account's count of
// unlocks (in the shared database) from when it began, and a replica whose lock is older lets it go.

const ADMIN: Credentials = { username: 'admin', password: 'lockout-replicas-admin-1' };
const CLIENT = '198.51.100.23';

const clock = new ManualClock();
let pg: TestPostgres;
const replicas: BerthUnderTest[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  // One after the other: each start migrates the database.
  for (let i = 0; i < 2; i += 1) {
    replicas.push(
      await startBerth({
        config: { database: { url: pg.url }, auth: { admin: ADMIN, lockout: { maxFailures: 3, windowSeconds: 600, lockSeconds: 600 } } },
        env: { BERTH_SERVER__TRUSTED_PROXIES: '["127.0.0.1"]' },
        authClock: clock.now,
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const replica of replicas.splice(0)) await replica.stop();
  await pg?.stop();
});

const login = (replica: BerthUnderTest, credentials: Credentials) =>
  send(replica.url, 'GET', '/token', { headers: { Authorization: basicHeader(credentials), 'X-Forwarded-For': CLIENT } });

describe('an unlock with several replicas', () => {
  it('ends the locks of every replica, not only of the one that answered it', async () => {
    const [a, b] = replicas as [BerthUnderTest, BerthUnderTest];
    const user = await createUser(a.url, ADMIN, 'locked-everywhere');
    const wrong = { ...user, password: 'not-the-password' };
    for (const replica of [a, b]) {
      for (let i = 0; i < 3; i += 1) expectError(await login(replica, wrong), 401, 'UNAUTHORIZED');
      expectError(await login(replica, user), 429, 'TOOMANYREQUESTS');
    }

    const unlock = await send(a.url, 'POST', '/api/v1/users/locked-everywhere/unlock', { headers: { Authorization: basicHeader(ADMIN) } });
    expect(unlock.json()).toEqual({ account: 'locked-everywhere', unlockedAddresses: 1 });
    expect((await login(b, user)).status).toBe(200);
    expect((await login(a, user)).status).toBe(200);
  });

  it('leaves a lock that began after the unlock in place', async () => {
    const [a, b] = replicas as [BerthUnderTest, BerthUnderTest];
    const user = await createUser(a.url, ADMIN, 'locked-again');
    const wrong = { ...user, password: 'not-the-password' };
    const unlock = await send(a.url, 'POST', '/api/v1/users/locked-again/unlock', { headers: { Authorization: basicHeader(ADMIN) } });
    expect(unlock.json()).toEqual({ account: 'locked-again', unlockedAddresses: 0 });
    for (let i = 0; i < 3; i += 1) expectError(await login(b, wrong), 401, 'UNAUTHORIZED');
    expectError(await login(b, user), 429, 'TOOMANYREQUESTS');
    expectError(await login(b, user), 429, 'TOOMANYREQUESTS');
  });
});
