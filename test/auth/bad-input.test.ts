import { createHash } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { ADMIN_ERRORS } from '@berth/core';
import { OCI_ERRORS } from '@berth/oci';
import { startBerthWithLog, type BerthWithLog } from './berth-with-log.js';
import { basicHeader, describeResult, send, type Credentials, type HttpResult } from './registry-http.js';
import { postToken } from './token-requests.js';

// Input the database cannot hold or compare (a NUL, year 0000) answered as the client's mistake
// (4xx with an OCI or admin error body), with authentication on; and nothing secret in the log of
// those error paths: no password, scrypt hash, bearer token or refresh token.

const ADMIN: Credentials = { username: 'admin', password: 'bad-input-admin-Vq8rT3' };
/** `\0:\0` — a NUL user name and password. */
const NUL_BASIC = 'Basic ADoA';

let berth: BerthWithLog;
/** Every credential the tests used or were given: none may appear in the log. */
const secrets: string[] = [ADMIN.password, basicHeader(ADMIN).slice('Basic '.length)];

const asAdmin = (extra: Record<string, string> = {}) => ({ Authorization: basicHeader(ADMIN), ...extra });
const adminJson = (method: string, path: string, body: unknown) =>
  send(berth.url, method, `/api/v1${path}`, { headers: asAdmin({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) });

beforeAll(async () => {
  berth = await startBerthWithLog({ auth: { admin: ADMIN, lockout: { maxFailures: 5 } }, projects: [{ kind: 'hosted', name: 'lib' }] }, { level: 'debug' });
  // One blob in lib/app, so its tag list exists.
  const bytes = Buffer.from('bad input');
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const pushed = await send(berth.url, 'POST', `/v2/lib/app/blobs/uploads/?digest=${digest}`, { headers: asAdmin({ 'Content-Type': 'application/octet-stream' }), body: bytes });
  if (pushed.status !== 201) throw new Error(`pushing a blob: ${describeResult(pushed)}`);
});

afterAll(async () => {
  await berth?.stop();
});

function expectOci(result: HttpResult, status: number, code: keyof typeof OCI_ERRORS): void {
  if (result.status !== status) throw new Error(`expected ${status} ${code}, got ${describeResult(result)}`);
  expect(result.json()).toEqual({ errors: [expect.objectContaining({ code, message: expect.any(String) })] });
}

function expectAdmin(result: HttpResult, status: number, code: keyof typeof ADMIN_ERRORS): { message: string; detail?: unknown } {
  if (result.status !== status) throw new Error(`expected ${status} ${code}, got ${describeResult(result)}`);
  const body = result.json<{ errors: Array<{ code: string; message: string; detail?: unknown }> }>();
  expect(body).toEqual({ errors: [expect.objectContaining({ code, message: expect.any(String) })] });
  return body.errors[0]!;
}

/** No line at error level (a stack trace) was logged since `from`. */
function expectNoErrorLines(from: number): void {
  const errors = berth.records.slice(from).filter((record) => record.level >= 50);
  expect(errors.map((record) => `${record.msg} ${JSON.stringify(record.err ?? '').slice(0, 300)}`)).toEqual([]);
}

describe('a NUL in pagination', () => {
  it('?last=%00 on a tag list and on the catalog is 400 PAGINATION_NUMBER_INVALID, not a database error', async () => {
    const from = berth.records.length;
    expectOci(await send(berth.url, 'GET', '/v2/lib/app/tags/list?last=%00', { headers: asAdmin() }), 400, 'PAGINATION_NUMBER_INVALID');
    expectOci(await send(berth.url, 'GET', '/v2/_catalog?last=%00', { headers: asAdmin() }), 400, 'PAGINATION_NUMBER_INVALID');
    expectOci(await send(berth.url, 'GET', '/v2/_catalog?n=1&last=a%00b', { headers: asAdmin() }), 400, 'PAGINATION_NUMBER_INVALID');
    expectNoErrorLines(from);
  });
});

describe('Basic credentials with a NUL user name and password', () => {
  it('are wrong credentials (401 with the endpoint challenge) on /v2/, /token and /api/v1, logged without a stack trace', async () => {
    const from = berth.records.length;
    const v2 = await send(berth.url, 'GET', '/v2/', { headers: { Authorization: NUL_BASIC } });
    expectOci(v2, 401, 'UNAUTHORIZED');
    expect(v2.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expectOci(await send(berth.url, 'GET', '/token?scope=repository:lib/app:pull', { headers: { Authorization: NUL_BASIC } }), 401, 'UNAUTHORIZED');
    const admin = await send(berth.url, 'GET', '/api/v1/projects', { headers: { Authorization: NUL_BASIC } });
    expectAdmin(admin, 401, 'UNAUTHORIZED');
    expect(admin.headers.get('www-authenticate')).toBe('Basic realm="berth"');
    // The form login of the token endpoint takes the same path.
    expectOci(await postToken(berth.url, { grant_type: 'password', username: '\u0000', password: '\u0000', scope: 'repository:lib/app:pull' }), 401, 'UNAUTHORIZED');
    expectNoErrorLines(from);
  });

  it('lock the NUL account like any other once they pass auth.lockout.maxFailures (429, not a database error)', async () => {
    const from = berth.records.length;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await send(berth.url, 'GET', '/v2/', { headers: { Authorization: NUL_BASIC } })).status);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    expectOci(await send(berth.url, 'GET', '/v2/', { headers: { Authorization: NUL_BASIC } }), 429, 'TOOMANYREQUESTS');
    expectNoErrorLines(from);
  });
});

describe('a NUL in admin API paths', () => {
  it.each([
    ['GET', '/projects/%00', 'project'],
    ['PATCH', '/projects/%00', 'project'],
    ['DELETE', '/projects/%00', 'project'],
    ['GET', '/projects/%00/robots', 'project'],
    ['GET', '/projects/%00/cache/stats', 'project'],
    ['GET', '/projects/lib/robots/%00', 'robot'],
    ['POST', '/projects/lib/robots/ci%00/secret', 'robot'],
    ['PUT', '/projects/lib/members/%00', 'user'],
    ['GET', '/users/%00', 'user'],
    ['PATCH', '/users/a%00b', 'user'],
  ])('%s %s is 404 NOT_FOUND naming the %s', async (method, path, param) => {
    const from = berth.records.length;
    const body = method === 'PATCH' || method === 'PUT' ? { role: 'guest' } : undefined;
    const answer = await send(berth.url, method, `/api/v1${path}`, {
      headers: asAdmin(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const error = expectAdmin(answer, 404, 'NOT_FOUND');
    expect(error.detail).toEqual({ [param]: expect.stringContaining('\u0000') });
    expectNoErrorLines(from);
  });

  it('still refuses an anonymous caller first (401, not 404)', async () => {
    expectAdmin(await send(berth.url, 'GET', '/api/v1/projects/%00'), 401, 'UNAUTHORIZED');
  });
});

describe('client errors raised outside the admin services, on /api/v1', () => {
  it('answer in the admin catalogue: a path Express cannot decode, a body charset, a locked account', async () => {
    const undecodable = await send(berth.url, 'GET', '/api/v1/projects/%E0%A4%A', { headers: asAdmin() });
    expect(expectAdmin(undecodable, 400, 'INVALID_INPUT').message).toMatch(/decode/);
    const latin1 = await send(berth.url, 'POST', '/api/v1/projects', { headers: asAdmin({ 'Content-Type': 'application/json; charset=latin1' }), body: '{}' });
    expectAdmin(latin1, 400, 'INVALID_INPUT');
    const wrong = { Authorization: basicHeader({ username: 'locked-out', password: 'wrong-password-1' }) };
    for (let i = 0; i < 5; i++) expectAdmin(await send(berth.url, 'GET', '/api/v1/me', { headers: wrong }), 401, 'UNAUTHORIZED');
    const locked = await send(berth.url, 'GET', '/api/v1/me', { headers: wrong });
    expectAdmin(locked, 429, 'TOOMANYREQUESTS');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // /v2 keeps the OCI code for the same lock.
    expectOci(await send(berth.url, 'GET', '/v2/', { headers: wrong }), 429, 'TOOMANYREQUESTS');
  });
});

describe('admin API bodies the database cannot store', () => {
  it('a robot expiring in year 0000, or past 9999 in UTC, is 400 INVALID_INPUT on expiresAt; 2030 is fine', async () => {
    const from = berth.records.length;
    for (const expiresAt of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59-01:00']) {
      const error = expectAdmin(await adminJson('POST', '/projects/lib/robots', { name: 'early', permissions: ['pull'], expiresAt }), 400, 'INVALID_INPUT');
      expect(error.detail).toEqual([{ field: 'expiresAt', message: expect.stringContaining('1970-01-01') }]);
    }
    const created = await adminJson('POST', '/projects/lib/robots', { name: 'later', permissions: ['pull'], expiresAt: '2030-01-31T00:00:00Z' });
    expect(created.status).toBe(201);
    secrets.push(created.json<{ secret: string }>().secret);
    const patched = await adminJson('PATCH', '/projects/lib/robots/later', { expiresAt: '0000-01-01T00:00:00Z' });
    expect(expectAdmin(patched, 400, 'INVALID_INPUT').detail).toEqual([{ field: 'expiresAt', message: expect.any(String) }]);
    expectNoErrorLines(from);
  });

  it('text with a NUL anywhere in a body is 400 INVALID_INPUT naming the field', async () => {
    const from = berth.records.length;
    const robot = await adminJson('POST', '/projects/lib/robots', { name: 'described', description: 'a\u0000b' });
    expect(expectAdmin(robot, 400, 'INVALID_INPUT').detail).toEqual([{ field: 'description', message: expect.stringContaining('NUL') }]);
    const proxy = await adminJson('POST', '/projects', { kind: 'proxy', name: 'nulproxy', upstream: { url: 'https://r.example', username: 'u\u0000', password: 'p' } });
    expect(expectAdmin(proxy, 400, 'INVALID_INPUT').detail).toEqual([{ field: 'upstream.username', message: expect.stringContaining('NUL') }]);
    const key = await adminJson('PATCH', '/projects/lib', { 'pub\u0000lic': true });
    expect(expectAdmin(key, 400, 'INVALID_INPUT').detail).toEqual([{ field: 'pub\u0000lic', message: expect.stringContaining('NUL') }]);
    expectNoErrorLines(from);
  });
});

describe('unknown paths', () => {
  it('an unknown path answers a JSON error body, not an HTML page; / is the web console', async () => {
    for (const path of ['/nothing/here', '/v1/', '/index.htm']) {
      const answer = await send(berth.url, 'GET', path);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expectAdmin(answer, 404, 'NOT_FOUND');
    }
    // With authentication on, / serves the console (a JSON 404 with it off: test/ops/unknown-paths).
    const console = await send(berth.url, 'GET', '/');
    expect(console.status).toBe(200);
    expect(console.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('the log of these error paths', () => {
  it('holds no password, scrypt hash, bearer token or refresh token', async () => {
    const from = berth.records.length;
    const login = await postToken(berth.url, { grant_type: 'password', username: ADMIN.username, password: ADMIN.password, scope: 'repository:lib/app:pull,push' });
    expect(login.status).toBe(200);
    const { access_token: bearer, refresh_token: refresh } = login.json<{ access_token: string; refresh_token: string }>();
    secrets.push(bearer, refresh);
    const robot = await adminJson('POST', '/projects/lib/robots', { name: 'logged', permissions: ['pull'] });
    expect(robot.status).toBe(201);
    const robotCredentials = { username: robot.json<{ name: string }>().name, password: robot.json<{ secret: string }>().secret };
    secrets.push(robotCredentials.password, basicHeader(robotCredentials).slice('Basic '.length));

    const withBearer = { Authorization: `Bearer ${bearer}` };
    const answers = [
      // Each of the inputs that used to fail in the database, with every kind of credential.
      await send(berth.url, 'GET', '/v2/lib/app/tags/list?last=%00', { headers: withBearer }),
      await send(berth.url, 'GET', '/v2/lib/app/tags/list?last=%00', { headers: { Authorization: basicHeader(robotCredentials) } }),
      await send(berth.url, 'GET', '/api/v1/projects/%00', { headers: withBearer }),
      await send(berth.url, 'GET', '/api/v1/projects/%00', { headers: { Authorization: basicHeader(robotCredentials) } }),
      await adminJson('POST', '/projects/lib/robots', { name: 'zero', expiresAt: '0000-01-01T00:00:00Z' }),
      await adminJson('PATCH', '/users/admin', { password: 'new\u0000password' }),
      // A forged bearer token, a token as a password, a refresh token where an access token goes.
      await send(berth.url, 'GET', '/v2/', { headers: { Authorization: `Bearer ${bearer}x` } }),
      await send(berth.url, 'GET', '/api/v1/me', { headers: { Authorization: `Bearer ${refresh}` } }),
      await send(berth.url, 'GET', '/v2/', { headers: { Authorization: basicHeader({ username: ADMIN.username, password: bearer }) } }),
      await postToken(berth.url, { grant_type: 'refresh_token', refresh_token: `${refresh}x`, scope: 'repository:lib/app:pull' }),
      await postToken(berth.url, { grant_type: 'refresh_token', refresh_token: refresh, scope: 'repository:%00:pull' }),
      await postToken(berth.url, { grant_type: 'password', username: ADMIN.username, password: `${ADMIN.password}\u0000`, scope: 'repository:lib/app:pull' }),
    ];
    expect(answers.map((answer) => (answer.status >= 400 && answer.status < 500 ? 'refused' : describeResult(answer)))).toEqual(answers.map(() => 'refused'));
    // The request lines are written when each response closes: wait for them (the test's timeout bounds it).
    while (berth.records.slice(from).filter((record) => record.msg === 'request').length < answers.length + 2) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const text = berth.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(text).not.toContain(secret);
    // A token's signature alone is as good as a token in a log reader's hands.
    for (const token of [bearer, refresh]) expect(text).not.toContain(token.split('.')[2]!);
    expect(text).not.toMatch(/scrypt\$\d+\$/);
    expectNoErrorLines(0);
  });
});
