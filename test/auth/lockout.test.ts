import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerthWithLog, type BerthWithLog } from './berth-with-log.js';
import { createUser } from './accounts.js';
import { basicHeader, expectError, send, type Credentials, type HttpResult } from './registry-http.js';

// Brute force: auth.lockout locks an account after maxFailures bad passwords within the window, on
// the token endpoint and on Basic /v2 alike; while locked even the right password gets 429 with
// Retry-After; the lock ends by itself; every failure and refusal is logged (without the password).

const ADMIN: Credentials = { username: 'admin', password: 'lockout-admin-pass-1' };
const WRONG: Credentials = { username: 'admin', password: 'lockout-wrong-guess' };
const LOCK_SECONDS = 2;

let berth: BerthWithLog;

beforeAll(async () => {
  berth = await startBerthWithLog({
    auth: { admin: ADMIN, lockout: { maxFailures: 3, windowSeconds: 60, lockSeconds: LOCK_SECONDS } },
    projects: [{ kind: 'hosted', name: 'private' }],
  });
});

afterAll(async () => {
  await berth?.stop();
});

const tokenWith = (credentials: Credentials) => send(berth.url, 'GET', '/token?scope=repository:private/app:pull', { headers: { Authorization: basicHeader(credentials) } });
const v2With = (credentials: Credentials) => send(berth.url, 'GET', '/v2/', { headers: { Authorization: basicHeader(credentials) } });
const postWith = (credentials: Credentials) =>
  send(berth.url, 'POST', '/token', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: credentials.username, password: credentials.password }).toString(),
  });

/** 429 TOOMANYREQUESTS with a Retry-After of 1..max seconds; returns it. */
function expectLocked(result: HttpResult, maxSeconds: number): number {
  expectError(result, 429, 'TOOMANYREQUESTS');
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  return retryAfter;
}

/** Wait out the lock, then log in successfully (which also clears the failure count). */
async function waitOut(retryAfterSeconds: number): Promise<void> {
  await sleep(retryAfterSeconds * 1000 + 150);
  expect((await tokenWith(ADMIN)).status).toBe(200);
}

describe('account lockout', () => {
  it('three bad passwords on /token lock the account: the right one gets 429 on /token, POST /token and Basic /v2', async () => {
    for (let i = 0; i < 3; i += 1) expectError(await tokenWith(WRONG), 401, 'UNAUTHORIZED');
    const retryAfter = expectLocked(await tokenWith(ADMIN), LOCK_SECONDS);
    expectLocked(await postWith(ADMIN), LOCK_SECONDS);
    expectLocked(await v2With(ADMIN), LOCK_SECONDS);
    // A wrong guess while locked is refused the same way, without being checked.
    expectLocked(await tokenWith(WRONG), LOCK_SECONDS);
    await waitOut(retryAfter);
    expect((await v2With(ADMIN)).status).toBe(200);
  });

  it('bad passwords on Basic /v2 count too, and lock /token', async () => {
    for (let i = 0; i < 3; i += 1) {
      const result = await v2With(WRONG);
      expectError(result, 401, 'UNAUTHORIZED');
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    }
    const retryAfter = expectLocked(await tokenWith(ADMIN), LOCK_SECONDS);
    await waitOut(retryAfter);
  });

  it('a successful login in between resets the count', async () => {
    for (let i = 0; i < 2; i += 1) expectError(await tokenWith(WRONG), 401, 'UNAUTHORIZED');
    expect((await tokenWith(ADMIN)).status).toBe(200);
    for (let i = 0; i < 2; i += 1) expectError(await postWith(WRONG), 401, 'UNAUTHORIZED');
    expect((await postWith(ADMIN)).status).toBe(200);
  });

  it('after a lock ends, one more failure locks again, for twice as long', async () => {
    for (let i = 0; i < 3; i += 1) expectError(await tokenWith(WRONG), 401, 'UNAUTHORIZED');
    const first = expectLocked(await tokenWith(ADMIN), LOCK_SECONDS);
    await sleep(first * 1000 + 150);
    expectError(await tokenWith(WRONG), 401, 'UNAUTHORIZED');
    const second = expectLocked(await tokenWith(ADMIN), 2 * LOCK_SECONDS);
    expect(second).toBeGreaterThan(LOCK_SECONDS);
    await waitOut(second);
  });

  it('locks only the account that was guessed at', async () => {
    const other = await createUser(berth.url, ADMIN, 'lockout-bystander');
    for (let i = 0; i < 3; i += 1) expectError(await tokenWith(WRONG), 401, 'UNAUTHORIZED');
    const retryAfter = expectLocked(await tokenWith(ADMIN), LOCK_SECONDS);
    expect((await tokenWith(other)).status).toBe(200);
    expect((await v2With(other)).status).toBe(200);
    await waitOut(retryAfter);
  });

  it('logs every failure and every refused attempt with the account, and never a password', () => {
    const failures = berth.records.filter((record) => record.msg === 'login failed' && record.account === 'admin');
    const refusals = berth.records.filter((record) => /locked/.test(record.msg) && record.account === 'admin');
    // 3 + 3 + 2 + 2 + 4 + 3 bad passwords were checked by the tests above.
    expect(failures).toHaveLength(17);
    for (const record of [...failures, ...refusals]) expect(record.level).toBeGreaterThanOrEqual(40);
    expect(failures.filter((record) => record.lockedForSeconds === LOCK_SECONDS)).toHaveLength(4);
    expect(failures.filter((record) => record.lockedForSeconds === 2 * LOCK_SECONDS)).toHaveLength(1);
    expect(refusals.length).toBeGreaterThanOrEqual(8);
    expect(refusals.every((record) => typeof record.retryAfterSeconds === 'number' && record.retryAfterSeconds > 0)).toBe(true);
    expect(berth.text()).not.toContain(WRONG.password);
    expect(berth.text()).not.toContain(ADMIN.password);
  });
});
