import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { BerthUnderTest } from '../harness/berth.js';
import { ADMIN, AdminApi, errorOf, startBerthWithAuth } from './api.js';
import { createUser } from './fixtures.js';

// Every change through the API is an audit event: who, what, when, before and after as the API
// shows them, newest first, paged with ?limit= and ?before=. Configured projects are audited too.

interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

let berth: BerthUnderTest;
let api: AdminApi;

beforeAll(async () => {
  berth = await startBerthWithAuth({ config: { projects: [{ kind: 'hosted', name: 'from-config', public: true }] } });
  api = new AdminApi(berth.url);
});

afterAll(async () => {
  await berth?.stop();
});

const events = async (query = ''): Promise<AuditEvent[]> => (await api.expect<{ events: AuditEvent[] }>(200, 'GET', `/audit${query}`, { as: ADMIN })).events;

describe('audit events', () => {
  it('records projects applied from configuration as project.apply by config', async () => {
    const applied = (await events()).filter((e) => e.action === 'project.apply');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ actor: 'config', target: 'project:from-config', before: null, after: { name: 'from-config', kind: 'hosted', public: true } });
  });

  it('records each change, newest first, with before and after', async () => {
    const started = new Date(Date.now() - 1000);
    const dev = await createUser(api, 'dev');
    await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'audited' } });
    await api.expect(200, 'PUT', '/projects/audited/members/dev', { as: ADMIN, body: { role: 'developer' } });
    await api.expect(200, 'PUT', '/projects/audited/members/dev', { as: ADMIN, body: { role: 'admin' } });
    const robot = await api.expect<{ secret: string }>(201, 'POST', '/projects/audited/robots', { as: dev, body: { name: 'ci' } });
    await api.expect(200, 'PATCH', '/projects/audited/robots/ci', { as: dev, body: { disabled: true } });
    await api.expect(200, 'PATCH', '/projects/audited', { as: dev, body: { public: true } });
    await api.expect(200, 'POST', '/projects/audited/cache/purge', { as: dev, body: {} });
    await api.expect(204, 'DELETE', '/projects/audited/robots/ci', { as: dev });
    await api.expect(204, 'DELETE', '/projects/audited/members/dev', { as: ADMIN });
    await api.expect(204, 'DELETE', '/projects/audited', { as: ADMIN });

    const recent = await events('?limit=11');
    expect(recent.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['admin', 'project.delete', 'project:audited'],
      ['admin', 'member.remove', 'member:audited/dev'],
      ['dev', 'robot.delete', 'robot:robot$audited+ci'],
      ['dev', 'cache.purge', 'project:audited'],
      ['dev', 'project.update', 'project:audited'],
      ['dev', 'robot.update', 'robot:robot$audited+ci'],
      ['dev', 'robot.create', 'robot:robot$audited+ci'],
      ['admin', 'member.set', 'member:audited/dev'],
      ['admin', 'member.set', 'member:audited/dev'],
      ['admin', 'project.create', 'project:audited'],
      ['admin', 'user.create', 'user:dev'],
    ]);
    const ids = recent.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    for (const event of recent) expect(new Date(event.at).getTime()).toBeGreaterThanOrEqual(started.getTime());

    const byAction = (action: string) => recent.filter((e) => e.action === action);
    expect(byAction('project.update')[0]).toMatchObject({ before: { public: false }, after: { public: true } });
    expect(byAction('member.set')[0]).toMatchObject({ before: { role: 'developer' }, after: { role: 'admin' } });
    expect(byAction('member.set')[1]).toMatchObject({ before: null, after: { project: 'audited', user: 'dev', role: 'developer' } });
    expect(byAction('robot.update')[0]).toMatchObject({ before: { disabled: false }, after: { disabled: true } });
    expect(byAction('robot.delete')[0]).toMatchObject({ before: { name: 'robot$audited+ci', disabled: true }, after: null });
    expect(byAction('project.delete')[0]).toMatchObject({ before: { name: 'audited', public: true }, after: null });
    expect(byAction('cache.purge')[0]?.after).toMatchObject({ project: 'audited', repository: null, manifests: 0, blobLinks: 0 });
    expect(JSON.stringify(recent)).not.toContain(robot.secret);
    expect(JSON.stringify(recent)).not.toContain('dev-password-1');
  });

  it('pages backwards with ?before=', async () => {
    const firstPage = await events('?limit=3');
    expect(firstPage).toHaveLength(3);
    const last = firstPage[2];
    if (last === undefined) throw new Error('no events');
    const secondPage = await events(`?limit=3&before=${last.id}`);
    expect(secondPage).toHaveLength(3);
    expect(secondPage.every((e) => e.id < last.id)).toBe(true);
    expect(await events(`?limit=6`)).toEqual([...firstPage, ...secondPage]);
  });

  it('filters by actor and action exactly and by a substring of the target, and pages within the filter', async () => {
    const byDev = await events('?actor=dev');
    expect(byDev.length).toBeGreaterThan(0);
    expect(byDev.every((e) => e.actor === 'dev')).toBe(true);
    const updates = await events('?action=project.update&actor=dev');
    expect(updates.map((e) => [e.actor, e.action, e.target])).toEqual([['dev', 'project.update', 'project:audited']]);
    const robots = await events('?target=robot%24audited');
    expect(robots.map((e) => e.action)).toEqual(['robot.delete', 'robot.update', 'robot.create']);
    const [newestRobot] = robots;
    expect((await events(`?target=robot%24audited&before=${newestRobot!.id}`)).map((e) => e.action)).toEqual(['robot.update', 'robot.create']);
    expect(await events('?target=%25')).toEqual([]);
    expect(await events('?actor=nobody')).toEqual([]);
  });

  it('validates limit and before', async () => {
    for (const query of ['?limit=0', '?limit=1001', '?limit=many', '?before=-3']) {
      const answer = await api.call('GET', `/audit${query}`, { as: ADMIN });
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('INVALID_INPUT');
    }
    expect((await events()).length).toBeLessThanOrEqual(100);
  });

  it('records no event for a refused change', async () => {
    const [newest] = await events('?limit=1');
    expect((await api.call('POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'from-config' } })).status).toBe(409);
    expect((await api.call('POST', '/users', { as: ADMIN, body: { name: 'X' } })).status).toBe(400);
    expect((await events('?limit=1'))[0]).toEqual(newest);
  });
});
