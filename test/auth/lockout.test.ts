import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startBerthWithLog, type BerthWithLog } from './berth-with-log.js';
import { createRobot, createUser } from './accounts.js';
import { ManualClock } from './manual-clock.js';
import { basicHeader, expectError, send, type Credentials, type HttpResult } from './registry-http.js';

// Brute force: auth.lockout locks an account for one client address after maxFailures bad
// passwords from there within the window, on the token endpoint and on Basic /v2 alike; while
// locked even the right password gets 429 with Retry-After from that address, but the owner from
// any other address logs in. The lock ends by itself (on Berth's authentication clock, which the
// test moves) or by an administrator's unlock. Every failure and refusal is logged (without the
// password). Berth trusts X-Forwarded-For from 127.0.0.1 here, as behind a reverse proxy, so each
// request's client address is the one the test forwards.

const ADMIN: Credentials = { username: 'admin', password: 'lockout-admin-pass-1' };
const WRONG: Credentials = { username: 'admin', password: 'lockout-wrong-guess' };
const LOCK_SECONDS = 60;
/** Where the attacker guesses from, and where the owner logs in from. */
const ATTACKER = '203.0.113.66';
const OWNER = '198.51.100.7';

const clock = new ManualClock();
let berth: BerthWithLog;

beforeAll(async () => {
  berth = await startBerthWithLog(
    {
      auth: { admin: ADMIN, lockout: { maxFailures: 3, windowSeconds: 600, lockSeconds: LOCK_SECONDS } },
      projects: [{ kind: 'hosted', name: 'private' }],
    },
    { env: { BERTH_SERVER__TRUSTED_PROXIES: '["127.0.0.1"]' }, authClock: clock.now },
  );
});

afterAll(async () => {
  await berth?.stop();
});

const from = (address: string, credentials: Credentials) => ({ Authorization: basicHeader(credentials), 'X-Forwarded-For': address });
const tokenWith = (credentials: Credentials, address = ATTACKER) => send(berth.url, 'GET', '/token?scope=repository:private/app:pull', { headers: from(address, credentials) });
const v2With = (credentials: Credentials, address = ATTACKER) => send(berth.url, 'GET', '/v2/', { headers: from(address, credentials) });
const postWith = (credentials: Credentials, address = ATTACKER) =>
  send(berth.url, 'POST', '/token', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': address },
    body: new URLSearchParams({ grant_type: 'password', username: credentials.username, password: credentials.password }).toString(),
  });
const unlock = (path: string, as: Credentials, address = OWNER) => send(berth.url, 'POST', `/api/v1${path}`, { headers: from(address, as) });

/** 429 TOOMANYREQUESTS; returns its Retry-After. */
function expectLocked(result: HttpResult): number {
  expectError(result, 429, 'TOOMANYREQUESTS');
  return Number(result.headers.get('retry-after'));
}

async function failTimes(times: number, attempt: () => Promise<HttpResult>): Promise<void> {
  for (let i = 0; i < times; i += 1) expectError(await attempt(), 401, 'UNAUTHORIZED');
}

/** Let the lock run out on Berth's clock, then log in successfully (which also clears the count). */
async function waitOut(retryAfterSeconds: number): Promise<void> {
  clock.advance(retryAfterSeconds);
  expect((await tokenWith(ADMIN)).status).toBe(200);
}

describe('account lockout', () => {
  it('three bad passwords on /token lock the account from that address: the right one gets 429 on /token, POST /token and Basic /v2', async () => {
    await failTimes(3, () => tokenWith(WRONG));
    expect(expectLocked(await tokenWith(ADMIN))).toBe(LOCK_SECONDS);
    clock.advance(LOCK_SECONDS / 2);
    expect(expectLocked(await postWith(ADMIN))).toBe(LOCK_SECONDS / 2);
    expect(expectLocked(await v2With(ADMIN))).toBe(LOCK_SECONDS / 2);
    // A wrong guess while locked is refused the same way, without being checked.
    expectLocked(await tokenWith(WRONG));
    clock.advance(LOCK_SECONDS / 2 - 1);
    expect(expectLocked(await tokenWith(ADMIN))).toBe(1);
    await waitOut(1);
    expect((await v2With(ADMIN)).status).toBe(200);
  });

  it('does not lock the owner out from another address, on /token, POST /token, Basic /v2 or the admin API', async () => {
    await failTimes(3, () => tokenWith(WRONG, ATTACKER));
    expectLocked(await tokenWith(ADMIN, ATTACKER));
    expect((await tokenWith(ADMIN, OWNER)).status).toBe(200);
    expect((await postWith(ADMIN, OWNER)).status).toBe(200);
    expect((await v2With(ADMIN, OWNER)).status).toBe(200);
    expect((await send(berth.url, 'GET', '/api/v1/me', { headers: from(OWNER, ADMIN) })).status).toBe(200);
    // The owner's success from elsewhere does not lift the attacker's lock.
    expectLocked(await tokenWith(ADMIN, ATTACKER));
    await waitOut(LOCK_SECONDS);
  });

  it('counts an IPv6 client by its /64: another address of the same block is locked too', async () => {
    await failTimes(3, () => tokenWith(WRONG, '2001:db8:1:2::10'));
    expectLocked(await tokenWith(ADMIN, '2001:db8:1:2:ffff::99'));
    expect((await tokenWith(ADMIN, '2001:db8:1:3::10')).status).toBe(200);
    await waitOut(LOCK_SECONDS);
    expect((await tokenWith(ADMIN, '2001:db8:1:2::10')).status).toBe(200);
  });

  it('bad passwords on Basic /v2 count too, and lock /token', async () => {
    for (let i = 0; i < 3; i += 1) {
      const result = await v2With(WRONG);
      expectError(result, 401, 'UNAUTHORIZED');
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    }
    await waitOut(expectLocked(await tokenWith(ADMIN)));
  });

  it('a successful login in between resets the count', async () => {
    await failTimes(2, () => tokenWith(WRONG));
    expect((await tokenWith(ADMIN)).status).toBe(200);
    await failTimes(2, () => postWith(WRONG));
    expect((await postWith(ADMIN)).status).toBe(200);
  });

  it('after a lock ends, one more failure locks again, for twice as long', async () => {
    await failTimes(3, () => tokenWith(WRONG));
    clock.advance(expectLocked(await tokenWith(ADMIN)));
    await failTimes(1, () => tokenWith(WRONG));
    expect(expectLocked(await tokenWith(ADMIN))).toBe(2 * LOCK_SECONDS);
    await waitOut(2 * LOCK_SECONDS);
  });

  it('locks only the account that was guessed at', async () => {
    const other = await createUser(berth.url, ADMIN, 'lockout-bystander');
    await failTimes(3, () => tokenWith(WRONG));
    const retryAfter = expectLocked(await tokenWith(ADMIN));
    expect((await tokenWith(other)).status).toBe(200);
    expect((await v2With(other)).status).toBe(200);
    await waitOut(retryAfter);
  });

  it('an administrator ends a user\'s locks from every address at once, and it is audited', async () => {
    const victim = await createUser(berth.url, ADMIN, 'lockout-victim');
    const wrong = { ...victim, password: 'not-the-password' };
    await failTimes(3, () => tokenWith(wrong, ATTACKER));
    await failTimes(3, () => tokenWith(wrong, OWNER));
    expectLocked(await tokenWith(victim, OWNER));
    // The victim may not unlock themself, nor may any other non-administrator.
    expectError(await unlock('/users/lockout-victim/unlock', victim, '192.0.2.55'), 403, 'DENIED');
    expectError(await unlock('/users/lockout-victim/unlock', await createUser(berth.url, ADMIN, 'lockout-helper')), 403, 'DENIED');
    expectLocked(await tokenWith(victim, OWNER));

    const answer = await unlock('/users/lockout-victim/unlock', ADMIN);
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ account: 'lockout-victim', unlockedAddresses: 2 });
    expect((await tokenWith(victim, OWNER)).status).toBe(200);
    expect((await tokenWith(victim, ATTACKER)).status).toBe(200);
    const audit = await send(berth.url, 'GET', '/api/v1/audit?limit=5', { headers: from(OWNER, ADMIN) });
    expect(audit.json<{ events: unknown[] }>().events).toContainEqual(
      expect.objectContaining({ actor: 'admin', action: 'user.unlock', target: 'user:lockout-victim', after: { account: 'lockout-victim', unlockedAddresses: 2 } }),
    );
    expectError(await unlock('/users/nobody-here/unlock', ADMIN), 404, 'NOT_FOUND');
  });

  it('a project administrator ends a robot\'s locks', async () => {
    const robot = await createRobot(berth.url, ADMIN, 'private', 'locked-ci');
    await failTimes(3, () => tokenWith({ ...robot, password: 'not-the-secret' }));
    expectLocked(await tokenWith(robot));
    const answer = await unlock('/projects/private/robots/locked-ci/unlock', ADMIN);
    expect(answer.json()).toEqual({ account: 'robot$private+locked-ci', unlockedAddresses: 1 });
    expect((await tokenWith(robot)).status).toBe(200);
  });

  it('logs every failure and every refused attempt with the account and address, and never a password', () => {
    const failures = berth.records.filter((record) => record.msg === 'login failed' && record.account === 'admin');
    const refusals = berth.records.filter((record) => /locked/.test(record.msg) && record.account === 'admin');
    // 3 + 3 + 3 + 3 + 2 + 2 + 4 + 3 bad passwords for admin were checked by the tests above.
    expect(failures).toHaveLength(23);
    for (const record of [...failures, ...refusals]) expect(record.level).toBeGreaterThanOrEqual(40);
    expect(failures.filter((record) => record.lockedForSeconds === LOCK_SECONDS)).toHaveLength(6);
    expect(failures.filter((record) => record.lockedForSeconds === 2 * LOCK_SECONDS)).toHaveLength(1);
    expect(new Set(failures.map((record) => record.clientAddress))).toEqual(new Set([ATTACKER, '2001:db8:1:2::/64']));
    expect(refusals.length).toBeGreaterThanOrEqual(10);
    expect(refusals.every((record) => typeof record.retryAfterSeconds === 'number' && record.retryAfterSeconds > 0)).toBe(true);
    expect(berth.text()).not.toContain(WRONG.password);
    expect(berth.text()).not.toContain(ADMIN.password);
  });
});

describe('a forged X-Forwarded-For', () => {
  const OWN_CLOCK = new ManualClock();
  let direct: BerthWithLog;

  beforeAll(async () => {
    // Trusts a proxy at 192.0.2.1 only: the test's own connections from 127.0.0.1 are clients.
    direct = await startBerthWithLog(
      { auth: { admin: ADMIN, lockout: { maxFailures: 3, windowSeconds: 600, lockSeconds: LOCK_SECONDS } } },
      { env: { BERTH_SERVER__TRUSTED_PROXIES: '["192.0.2.1"]' }, authClock: OWN_CLOCK.now },
    );
  });

  afterAll(async () => {
    await direct?.stop();
  });

  it('from a peer that is not a trusted proxy does not change the address its failures count against', async () => {
    const attempt = (credentials: Credentials, n: number) =>
      send(direct.url, 'GET', '/token', { headers: { Authorization: basicHeader(credentials), 'X-Forwarded-For': `203.0.113.${n}` } });
    for (let n = 1; n <= 3; n += 1) expectError(await attempt(WRONG, n), 401, 'UNAUTHORIZED');
    // A fourth forged address is still the peer's own, locked one.
    expectLocked(await attempt(ADMIN, 4));
    const failures = direct.records.filter((record) => record.msg === 'login failed');
    expect(failures.map((record) => record.clientAddress)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });
});
