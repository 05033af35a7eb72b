import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { decodeJwt } from 'jose';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { createRobot, createUser, setMember, updateRobot, updateUser } from './accounts.js';
import { expectError, type Credentials } from './registry-http.js';
import { accessOf, getToken as getTokenAt, postToken as postTokenAt } from './token-requests.js';

// What the token endpoint grants users and robots (fixtures made through the admin API): the
// actions of their role, pull on public projects, nothing once disabled or expired.

const SERVICE = 'berth-token-accounts';
const ADMIN: Credentials = { username: 'admin', password: 'token-accounts-admin-1' };

let berth: BerthUnderTest;

beforeAll(async () => {
  berth = await startBerth({
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
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const neverUsed = await createRobot(berth.url, ADMIN, 'private', 'expiring-unused', { expiresAt });
    const used = await createRobot(berth.url, ADMIN, 'private', 'expiring-used', { expiresAt });
    expect((await getToken([['service', SERVICE]], used)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));
    expectError(await getToken([['service', SERVICE]], neverUsed), 401, 'UNAUTHORIZED');
    expectError(await getToken([['service', SERVICE]], used), 401, 'UNAUTHORIZED');
  });

  it('a robot secret is the only way in: a wrong secret or a robot of another name is refused', async () => {
    expectError(await getToken([['service', SERVICE]], { ...robot, password: 'not-the-secret' }), 401, 'UNAUTHORIZED');
    expectError(await getToken([['service', SERVICE]], { ...robot, username: 'robot$public+puller' }), 401, 'UNAUTHORIZED');
  });
});
