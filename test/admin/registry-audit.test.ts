import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { send } from '../api/helpers.js';
import { startBerthWithLog, type BerthWithLog } from '../auth/berth-with-log.js';
import { ADMIN, AdminApi, basic, errorOf, type Account } from './api.js';
import { createUser } from './fixtures.js';
import { deleteManifestAs, getManifestAs, pushImageAs } from './push-as.js';

// Who did what on the registry: pushes and deletes of manifests and tags (referrers included),
// projects created by a first push, failed logins and lockouts are audit rows with the account and
// the client address. Pulls write nothing. The listing filters by project, repository, action and
// account, for system administrators only. Request log lines carry the account.

interface AuditEvent {
  id: number;
  actor: string;
  action: string;
  target: string;
  after: Record<string, unknown> | null;
  clientAddress: string | null;
  project: string | null;
  repository: string | null;
}

let berth: BerthWithLog;
let api: AdminApi;
let alice: Account;
let robot: Account;

beforeAll(async () => {
  berth = await startBerthWithLog({
    auth: { admin: { password: ADMIN.password }, lockout: { maxFailures: 3, windowSeconds: 600, lockSeconds: 600 } },
    autoCreateProjects: true,
  });
  api = new AdminApi(berth.url);
  await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'team', public: true } });
  alice = await createUser(api, 'alice');
  await api.expect(200, 'PUT', '/projects/team/members/alice', { as: ADMIN, body: { role: 'maintainer' } });
  const created = await api.expect<{ name: string; secret: string }>(201, 'POST', '/projects/team/robots', { as: ADMIN, body: { name: 'ci', permissions: ['pull', 'push'] } });
  robot = { name: created.name, password: created.secret };
}, 60_000);

afterAll(async () => {
  await berth?.stop();
});

const events = async (query = ''): Promise<AuditEvent[]> => (await api.expect<{ events: AuditEvent[] }>(200, 'GET', `/audit${query}`, { as: ADMIN })).events;
const newestId = async (): Promise<number> => (await events('?limit=1'))[0]?.id ?? 0;
/** Events after `id`, oldest first. */
const since = async (id: number, query = ''): Promise<AuditEvent[]> => (await events(`?limit=1000${query}`)).filter((event) => event.id > id).reverse();
const summary = (rows: AuditEvent[]) => rows.map((row) => [row.actor, row.action, row.repository, row.project, row.clientAddress]);

describe('registry audit rows', () => {
  it('records manifest and tag pushes and deletes, referrers included, with account and client address', async () => {
    const start = await newestId();
    const image = await pushImageAs(berth.url, 'team/app', 'v1', alice);
    const tool = await pushImageAs(berth.url, 'team/tools', null, robot);
    const signature = await pushImageAs(berth.url, 'team/app', null, alice, { subject: image, artifactType: 'application/vnd.example.sig' });
    expect((await deleteManifestAs(berth.url, 'team/app', 'v1', alice)).status).toBe(202);
    expect((await deleteManifestAs(berth.url, 'team/app', signature.digest, alice)).status).toBe(202);

    const rows = await since(start);
    expect(summary(rows)).toEqual([
      ['alice', 'tag.push', 'team/app', 'team', '127.0.0.1'],
      [robot.name, 'manifest.push', 'team/tools', 'team', '127.0.0.1'],
      ['alice', 'manifest.push', 'team/app', 'team', '127.0.0.1'],
      ['alice', 'tag.delete', 'team/app', 'team', '127.0.0.1'],
      ['alice', 'manifest.delete', 'team/app', 'team', '127.0.0.1'],
    ]);
    expect(rows[0]).toMatchObject({ target: `manifest:team/app@${image.digest}`, after: { digest: image.digest, tags: ['v1'] } });
    expect(rows[1]).toMatchObject({ target: `manifest:team/tools@${tool.digest}`, after: { digest: tool.digest, tags: [] } });
    expect(rows[2]).toMatchObject({ after: { digest: signature.digest, subject: image.digest, artifactType: 'application/vnd.example.sig' } });
    expect(rows[3]).toMatchObject({ target: 'tag:team/app:v1', after: { tag: 'v1' } });
    expect(rows[4]).toMatchObject({ target: `manifest:team/app@${signature.digest}`, after: { digest: signature.digest } });
  });

  it('takes the account of a bearer token from the verified token', async () => {
    const start = await newestId();
    const token = await send(berth.url, 'GET', '/token?service=berth&scope=repository:team/bearer:pull,push', { headers: { Authorization: basic(alice) } });
    expect(token.status).toBe(200);
    await pushImageAs(berth.url, 'team/bearer', 'v1', { bearer: token.json<{ token: string }>().token });
    expect(summary(await since(start))).toEqual([['alice', 'tag.push', 'team/bearer', 'team', '127.0.0.1']]);
  });

  it('records the project a first push created, once, by its pusher', async () => {
    const start = await newestId();
    await pushImageAs(berth.url, 'fresh/app', 'v1', ADMIN);
    await pushImageAs(berth.url, 'fresh/app', 'v2', ADMIN);
    const rows = await since(start, '&project=fresh');
    expect(summary(rows)).toEqual([
      ['admin', 'project.create', null, 'fresh', '127.0.0.1'],
      ['admin', 'tag.push', 'fresh/app', 'fresh', '127.0.0.1'],
      ['admin', 'tag.push', 'fresh/app', 'fresh', '127.0.0.1'],
    ]);
    expect(rows[0]).toMatchObject({ target: 'project:fresh', after: { kind: 'hosted', public: false, createdBy: 'push', repository: 'fresh/app' } });
  });

  it('records failed logins and the lockout, with the account tried and the client address', async () => {
    const start = await newestId();
    const target = await createUser(api, 'locked-out');
    const wrong = { name: target.name, password: 'not-the-password' };
    // Over /v2, /token and the admin API: each failure is one row; the third locks the account.
    expect((await send(berth.url, 'GET', '/v2/', { headers: { Authorization: basic(wrong) } })).status).toBe(401);
    expect((await send(berth.url, 'GET', '/token?service=berth', { headers: { Authorization: basic(wrong) } })).status).toBe(401);
    expect((await api.call('GET', '/me', { as: wrong })).status).toBe(401);
    // Locked: refused without a password check, and without a row.
    expect((await send(berth.url, 'GET', '/v2/', { headers: { Authorization: basic(target) } })).status).toBe(429);

    const rows = (await since(start)).filter((row) => row.actor === 'locked-out');
    expect(rows.map((row) => [row.action, row.target, row.clientAddress])).toEqual([
      ['login.failed', 'account:locked-out', '127.0.0.1'],
      ['login.failed', 'account:locked-out', '127.0.0.1'],
      ['login.lockout', 'account:locked-out', '127.0.0.1'],
    ]);
    expect(rows[2]?.after).toEqual({ lockedForSeconds: 600 });
    expect(JSON.stringify(rows)).not.toContain('not-the-password');
  });

  it('writes nothing for pulls, anonymous or not', async () => {
    const image = await pushImageAs(berth.url, 'team/pulled', 'v1', alice);
    const start = await newestId();
    for (let i = 0; i < 3; i++) {
      expect((await getManifestAs(berth.url, 'team/pulled', 'v1')).status).toBe(200);
      expect((await getManifestAs(berth.url, 'team/pulled', image.digest, alice)).status).toBe(200);
      expect((await send(berth.url, 'GET', `/v2/team/pulled/blobs/${(image.json.config as { digest: string }).digest}`)).status).toBe(200);
      expect((await send(berth.url, 'GET', '/v2/team/pulled/tags/list')).status).toBe(200);
    }
    expect(await since(start)).toEqual([]);
  });

  it('lists by project, repository, action and account, alone or together', async () => {
    const start = await newestId();
    await pushImageAs(berth.url, 'team/filtered', 'a', alice);
    await pushImageAs(berth.url, 'team/filtered', 'b', robot);
    await pushImageAs(berth.url, 'team/other', 'a', alice);
    expect((await deleteManifestAs(berth.url, 'team/filtered', 'a', alice)).status).toBe(202);
    await pushImageAs(berth.url, 'elsewhere/filtered', 'a', ADMIN);

    const actions = async (query: string) => (await since(start, query)).map((row) => `${row.actor} ${row.action} ${row.repository ?? row.target}`);
    expect(await actions('&repository=team/filtered')).toEqual(['alice tag.push team/filtered', `${robot.name} tag.push team/filtered`, 'alice tag.delete team/filtered']);
    expect(await actions('&project=team&action=tag.push')).toEqual(['alice tag.push team/filtered', `${robot.name} tag.push team/filtered`, 'alice tag.push team/other']);
    expect(await actions('&account=alice&project=team&repository=team/filtered&action=tag.delete')).toEqual(['alice tag.delete team/filtered']);
    expect(await actions(`&account=${encodeURIComponent(robot.name)}`)).toEqual([`${robot.name} tag.push team/filtered`]);
    expect(await actions('&project=elsewhere')).toEqual(['admin project.create project:elsewhere', 'admin tag.push elsewhere/filtered']);
    expect(await actions('&action=no.such.action')).toEqual([]);
  });

  it('logs the account on request lines', async () => {
    await pushImageAs(berth.url, 'team/logged', 'v1', alice);
    await getManifestAs(berth.url, 'team/logged', 'v1');
    const lines = berth.records.filter((line) => line.msg === 'request' && typeof line.path === 'string' && line.path.startsWith('/v2/team/logged/manifests/'));
    expect(lines.map((line) => [line.method, line.account])).toEqual([
      ['PUT', 'alice'],
      ['GET', 'anonymous'],
    ]);
    const admin = berth.records.filter((line) => line.msg === 'request' && line.path === '/api/v1/audit');
    expect(admin.at(-1)?.account).toBe('admin');
  });
});

describe('who may read the audit listing', () => {
  it('refuses anonymous callers, project members and robots', async () => {
    expect((await api.call('GET', '/audit')).status).toBe(401);
    for (const account of [alice, robot]) {
      const answer = await api.call('GET', '/audit?project=team', { as: account });
      expect(answer.status).toBe(403);
      expect(errorOf(answer).code).toBe('DENIED');
      expect(JSON.stringify(answer.body)).not.toContain('tag.push');
    }
  });
});
