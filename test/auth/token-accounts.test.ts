import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { decodeJwt } from 'jose';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { createRobot, createUser, setMember, updateRobot, updateUser } from './accounts.js';
import { ManualClock } from './manual-clock.js';
import { basicHeader, expectError, send, type Credentials, type HttpResult } from './registry-http.js';
import { accessOf, getToken as getTokenAt, postToken as postTokenAt } from './token-requests.js';

// What the token endpoint grants users and robots (fixtures made through the admin API): the
// actions of their role, pull on public projects, nothing once disabled or expired; refresh tokens
// and admin bearer tokens die with a new password or secret, a disabling or a deletion. Berth's
// authentication runs on a clock the test moves, so expiry never depends on how busy the machine is.

const SERVICE = 'berth-token-accounts';
const ADMIN: Credentials = { username: 'admin', password: 'token-accounts-admin-1' };

const clock = new ManualClock();
let berth: BerthUnderTest;

beforeAll(async () => {
  berth = await startBerth({
    authClock: clock.now,
    config: {
      auth: { service: SERVICE, admin: ADMIN },
      projects: [
        { kind: 'hosted', name: 'private' },
        { kind: 'hosted', name: 'public', public: true },
      ],
    },
  });
});

afterAll(async () => {
  await berth?.stop();
});

const getToken = (params: Array<[string, string]>, credentials?: Credentials) => getTokenAt(berth.url, params, credentials);
const postToken = (form: Record<string, string>) => postTokenAt(berth.url, form);

describe('users and robots', () => {
  let developer: Credentials;
  let guest: Credentials;
  let outsider: Credentials;
  let robot: Credentials;

  beforeAll(async () => {
    developer = await createUser(berth.url, ADMIN, 'token-dev');
    guest = await createUser(berth.url, ADMIN, 'token-guest');
    outsider = await createUser(berth.url, ADMIN, 'token-outsider');
    await setMember(berth.url, ADMIN, 'private', 'token-dev', 'developer');
    await setMember(berth.url, ADMIN, 'private', 'token-guest', 'guest');
    robot = await createRobot(berth.url, ADMIN, 'private', 'puller', { permissions: ['pull'] });
  });

  const everything: Array<[string, string]> = [
    ['scope', 'repository:private/app:pull,push,delete'],
    ['scope', 'repository:public/app:pull,push,delete'],
    ['scope', 'registry:catalog:*'],
  ];
  const grant = (privateActions: string[], publicActions: string[]) => [
    { type: 'repository', name: 'private/app', actions: privateActions },
    { type: 'repository', name: 'public/app', actions: publicActions },
    { type: 'registry', name: 'catalog', actions: [] },
  ];

  it('grants each caller the actions of their role, pull on public projects, and no catalog', async () => {
    expect(robot.username).toBe('robot$private+puller');
    expect(accessOf(await getToken(everything, developer))).toEqual(grant(['pull', 'push'], ['pull']));
    expect(accessOf(await getToken(everything, guest))).toEqual(grant(['pull'], ['pull']));
    expect(accessOf(await getToken(everything, outsider))).toEqual(grant([], ['pull']));
    expect(accessOf(await getToken(everything, robot))).toEqual(grant(['pull'], ['pull']));
    expect(decodeJwt((await getToken(everything, robot)).json<{ token: string }>().token)).toEqual(expect.objectContaining({ sub: 'robot$private+puller', berth_kind: 'robot' }));
  });

  it('POST password grant echoes only what was granted', async () => {
    const answer = await postToken({ grant_type: 'password', username: developer.username, password: developer.password, service: SERVICE, scope: 'repository:private/app:pull,push,delete registry:catalog:*' });
    expect(answer.json<{ scope: string }>().scope).toBe('repository:private/app:pull,push');
    const none = await postToken({ grant_type: 'password', username: outsider.username, password: outsider.password, service: SERVICE, scope: 'repository:private/app:pull' });
    expect(none.status).toBe(200);
    expect(none.json<{ scope: string }>().scope).toBe('');
  });

  it('a refresh token stops working once its user is disabled, and so does the password', async () => {
    const user = await createUser(berth.url, ADMIN, 'token-refresh');
    const login = await postToken({ grant_type: 'password', username: user.username, password: user.password, service: SERVICE });
    const refreshToken = login.json<{ refresh_token: string }>().refresh_token;
    expect((await postToken({ grant_type: 'refresh_token', refresh_token: refreshToken, service: SERVICE })).status).toBe(200);
    await updateUser(berth.url, ADMIN, user.username, { disabled: true });
    expectError(await postToken({ grant_type: 'refresh_token', refresh_token: refreshToken, service: SERVICE }), 401, 'UNAUTHORIZED');
    expectError(await getToken([['service', SERVICE]], user), 401, 'UNAUTHORIZED');
  });

  it('a disabled robot cannot log in', async () => {
    const disabled = await createRobot(berth.url, ADMIN, 'private', 'disabled-bot', { permissions: ['pull', 'push'] });
    expect((await getToken([['service', SERVICE]], disabled)).status).toBe(200);
    await updateRobot(berth.url, ADMIN, 'private', 'disabled-bot', { disabled: true });
    expectError(await getToken([['service', SERVICE]], disabled), 401, 'UNAUTHORIZED');
  });

  it('a robot past its expiry cannot log in, even one that logged in just before', async () => {
    const expiresAt = clock.isoIn(60);
    const neverUsed = await createRobot(berth.url, ADMIN, 'private', 'expiring-unused', { expiresAt });
    const used = await createRobot(berth.url, ADMIN, 'private', 'expiring-used', { expiresAt });
    expect((await getToken([['service', SERVICE]], used)).status).toBe(200);
    clock.advance(59);
    expect((await getToken([['service', SERVICE]], neverUsed)).status).toBe(200);
    clock.advance(1);
    expectError(await getToken([['service', SERVICE]], neverUsed), 401, 'UNAUTHORIZED');
    expectError(await getToken([['service', SERVICE]], used), 401, 'UNAUTHORIZED');
  });

  it('a robot secret is the only way in: a wrong secret or a robot of another name is refused', async () => {
    expectError(await getToken([['service', SERVICE]], { ...robot, password: 'not-the-secret' }), 401, 'UNAUTHORIZED');
    expectError(await getToken([['service', SERVICE]], { ...robot, username: 'robot$public+puller' }), 401, 'UNAUTHORIZED');
  });
});

describe('revoking refresh tokens and admin bearer tokens', () => {
  const refreshWith = (refreshToken: string) => postToken({ grant_type: 'refresh_token', refresh_token: refreshToken, service: SERVICE });
  const passwordGrant = async (credentials: Credentials) => {
    const answer = await postToken({ grant_type: 'password', username: credentials.username, password: credentials.password, service: SERVICE, scope: 'repository:private/app:pull' });
    if (answer.status !== 200) throw new Error(`password grant for ${credentials.username}: ${answer.status} ${answer.text()}`);
    return answer.json<{ access_token: string; refresh_token: string }>();
  };
  const bearerMe = (token: string) => send(berth.url, 'GET', '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  const v2Pull = (token: string) => send(berth.url, 'GET', '/v2/private/app/tags/list', { headers: { Authorization: `Bearer ${token}` } });
  const expectRefused = (result: HttpResult) => expectError(result, 401, 'UNAUTHORIZED');

  it('a refresh token and an admin bearer token issued before a password change are refused after it', async () => {
    const user = await createUser(berth.url, ADMIN, 'revoke-password');
    await setMember(berth.url, ADMIN, 'private', user.username, 'guest');
    const before = await passwordGrant(user);
    expect((await refreshWith(before.refresh_token)).status).toBe(200);
    expect((await bearerMe(before.access_token)).status).toBe(200);

    await updateUser(berth.url, ADMIN, user.username, { password: 'revoke-password-new-1' });
    expectRefused(await refreshWith(before.refresh_token));
    expectRefused(await bearerMe(before.access_token));
    // A registry access token lives to its short expiry (documented): /v2 checks no database.
    expectError(await v2Pull(before.access_token), 404, 'NAME_UNKNOWN');
    // Tokens issued after the change work.
    const after = await passwordGrant({ ...user, password: 'revoke-password-new-1' });
    expect((await refreshWith(after.refresh_token)).status).toBe(200);
    expect((await bearerMe(after.access_token)).status).toBe(200);
  });

  it('the same when users change their own password', async () => {
    const user = await createUser(berth.url, ADMIN, 'revoke-own');
    const before = await passwordGrant(user);
    const changed = await send(berth.url, 'PATCH', `/api/v1/users/${user.username}`, {
      headers: { Authorization: `Bearer ${before.access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: 'revoke-own-new-password-1' }),
    });
    expect(changed.status).toBe(200);
    expectRefused(await refreshWith(before.refresh_token));
    expectRefused(await bearerMe(before.access_token));
  });

  it('an admin bearer token of a disabled account is refused, and stays refused once it is enabled again', async () => {
    const user = await createUser(berth.url, ADMIN, 'revoke-disabled', { admin: true });
    const tokens = await passwordGrant(user);
    expect((await send(berth.url, 'GET', '/api/v1/users', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    await updateUser(berth.url, ADMIN, user.username, { disabled: true });
    expectRefused(await send(berth.url, 'GET', '/api/v1/users', { headers: { Authorization: `Bearer ${tokens.access_token}` } }));
    expectRefused(await refreshWith(tokens.refresh_token));
    await updateUser(berth.url, ADMIN, user.username, { disabled: false });
    expectRefused(await bearerMe(tokens.access_token));
    expectRefused(await refreshWith(tokens.refresh_token));
    expect((await bearerMe((await passwordGrant(user)).access_token)).status).toBe(200);
  });

  it("a robot's tokens die with a new secret, with a disabling and with its deletion, even when one of the same name is created again", async () => {
    const grantFor = async (name: string) => passwordGrant(await createRobot(berth.url, ADMIN, 'private', name));
    const regenerated = await grantFor('revoke-secret');
    const secret = await send(berth.url, 'POST', '/api/v1/projects/private/robots/revoke-secret/secret', { headers: { Authorization: basicHeader(ADMIN) } });
    expect(secret.status).toBe(200);
    expectRefused(await refreshWith(regenerated.refresh_token));
    expectRefused(await bearerMe(regenerated.access_token));

    const disabled = await grantFor('revoke-disabled');
    expect((await bearerMe(disabled.access_token)).status).toBe(200);
    await updateRobot(berth.url, ADMIN, 'private', 'revoke-disabled', { disabled: true });
    await updateRobot(berth.url, ADMIN, 'private', 'revoke-disabled', { disabled: false });
    expectRefused(await refreshWith(disabled.refresh_token));
    expectRefused(await bearerMe(disabled.access_token));

    const deleted = await grantFor('revoke-deleted');
    const removal = await send(berth.url, 'DELETE', '/api/v1/projects/private/robots/revoke-deleted', { headers: { Authorization: basicHeader(ADMIN) } });
    expect(removal.status).toBe(204);
    expectRefused(await refreshWith(deleted.refresh_token));
    await createRobot(berth.url, ADMIN, 'private', 'revoke-deleted');
    expectRefused(await refreshWith(deleted.refresh_token));
    expectRefused(await bearerMe(deleted.access_token));
  });
});
