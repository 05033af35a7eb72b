import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { BerthUnderTest } from '../harness/berth.js';
import { ManualClock } from '../auth/manual-clock.js';
import { ADMIN, AdminApi, errorOf, startBerthWithAuth, type Account } from './api.js';

// Robot accounts: the secret is shown once, works with Basic on the API until the robot is
// disabled, expired, deleted or its secret regenerated. Expiry is measured by Berth's
// authentication clock, which the test moves.

const clock = new ManualClock();
let berth: BerthUnderTest;
let api: AdminApi;

interface RobotAnswer {
  name: string;
  secret?: string;
  permissions: string[];
  expiresAt: string | null;
  disabled: boolean;
}

beforeAll(async () => {
  berth = await startBerthWithAuth({ authClock: clock.now });
  api = new AdminApi(berth.url);
  await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'builds' } });
});

afterAll(async () => {
  await berth?.stop();
});

const meStatus = async (robot: Account): Promise<number> => (await api.call('GET', '/me', { as: robot })).status;

describe('robot accounts', () => {
  let robot: Account;

  it('answers the secret once, at creation', async () => {
    const created = await api.expect<RobotAnswer>(201, 'POST', '/projects/builds/robots', {
      as: ADMIN,
      body: { name: 'ci', description: 'pipeline', permissions: ['push', 'pull', 'push'] },
    });
    expect(created).toMatchObject({ name: 'robot$builds+ci', project: 'builds', description: 'pipeline', permissions: ['pull', 'push'], expiresAt: null, disabled: false });
    expect(typeof created.secret).toBe('string');
    expect(created.secret?.length).toBeGreaterThanOrEqual(32);
    robot = { name: created.name, password: created.secret ?? '' };
    const listed = await api.expect<{ robots: RobotAnswer[] }>(200, 'GET', '/projects/builds/robots', { as: ADMIN });
    const one = await api.expect<RobotAnswer>(200, 'GET', '/projects/builds/robots/ci', { as: ADMIN });
    const audit = await api.expect(200, 'GET', '/audit', { as: ADMIN });
    for (const answer of [listed, one, audit]) expect(JSON.stringify(answer)).not.toContain(robot.password);
    expect(one).not.toHaveProperty('secret');
    expect(listed.robots.map((r) => r.name)).toEqual(['robot$builds+ci']);
  });

  it('authenticates with its secret', async () => {
    expect(await api.expect(200, 'GET', '/me', { as: robot })).toEqual({
      name: 'robot$builds+ci',
      kind: 'robot',
      admin: false,
      memberships: [],
      project: 'builds',
      permissions: ['pull', 'push'],
    });
  });

  it('stops working while disabled', async () => {
    await api.expect(200, 'PATCH', '/projects/builds/robots/ci', { as: ADMIN, body: { disabled: true } });
    expect(await meStatus(robot)).toBe(401);
    await api.expect(200, 'PATCH', '/projects/builds/robots/ci', { as: ADMIN, body: { disabled: false } });
    expect(await meStatus(robot)).toBe(200);
  });

  it('stops working once expired', async () => {
    const past = clock.isoIn(-60);
    expect(await api.expect(200, 'PATCH', '/projects/builds/robots/ci', { as: ADMIN, body: { expiresAt: past } })).toMatchObject({ expiresAt: past });
    expect(await meStatus(robot)).toBe(401);
    await api.expect(200, 'PATCH', '/projects/builds/robots/ci', { as: ADMIN, body: { expiresAt: null } });
    expect(await meStatus(robot)).toBe(200);

    const soon = clock.isoIn(60);
    const shortLived = await api.expect<RobotAnswer>(201, 'POST', '/projects/builds/robots', { as: ADMIN, body: { name: 'brief', expiresAt: soon } });
    const brief = { name: shortLived.name, password: shortLived.secret ?? '' };
    expect(await meStatus(brief)).toBe(200);
    clock.advance(59);
    expect(await meStatus(brief)).toBe(200);
    // Refused once the expiry passed, though the login just before is in the short login cache.
    clock.advance(1);
    expect(await meStatus(brief)).toBe(401);
  });

  it('regenerating the secret invalidates the old one', async () => {
    const renewed = await api.expect<RobotAnswer>(200, 'POST', '/projects/builds/robots/ci/secret', { as: ADMIN });
    expect(renewed.secret).not.toBe(robot.password);
    expect(await meStatus(robot)).toBe(401);
    robot = { name: robot.name, password: renewed.secret ?? '' };
    expect(await meStatus(robot)).toBe(200);
  });

  it('validates input and refuses a duplicate name', async () => {
    const bad = await api.call('POST', '/projects/builds/robots', { as: ADMIN, body: { name: 'Bad+Name', permissions: ['fly'], expiresAt: 'tomorrow' } });
    expect(bad.status).toBe(400);
    expect((errorOf(bad).detail as Array<{ field: string }>).map((p) => p.field).sort()).toEqual(['expiresAt', 'name', 'permissions.0']);
    expect(errorOf(await api.call('POST', '/projects/builds/robots', { as: ADMIN, body: { name: 'ci' } })).code).toBe('CONFLICT');
    expect(errorOf(await api.call('GET', '/projects/builds/robots/nobody', { as: ADMIN })).code).toBe('NOT_FOUND');
  });

  it('stops working once deleted', async () => {
    await api.expect(204, 'DELETE', '/projects/builds/robots/ci', { as: ADMIN });
    expect(await meStatus(robot)).toBe(401);
    expect(errorOf(await api.call('GET', '/projects/builds/robots/ci', { as: ADMIN })).code).toBe('NOT_FOUND');
  });
});
