import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBerthWithLog, type BerthWithLog } from '../auth/berth-with-log.js';
import { ADMIN, AdminApi, errorOf } from './api.js';
import { createUser } from './fixtures.js';
import { getManifestAs, pushImageAs } from './push-as.js';

// One owner per project. Projects declared in the configuration file are owned by it: the admin
// API refuses to change or delete their settings (409 naming the setting and the file), so a start
// never silently undoes an API change. Projects created through the API stay the API's, and keep
// their settings across restarts. A configuration that changes a project's kind stops the start.

// Never contacted: the tests change settings only.
const UPSTREAM = { url: 'http://127.0.0.1:9' };
const HUB = { kind: 'proxy', name: 'hub', upstream: UPSTREAM, referrersProxy: true };

let dataDir: string;
const configFile = () => join(dataDir, 'berth.json');
const configWith = (projects: unknown[]) => ({ auth: { admin: { password: ADMIN.password } }, projects });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'berth-owner-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Start Berth on the shared data directory, run `body`, stop it whatever happens. */
async function withBerth(projects: unknown[], body: (berth: BerthWithLog, api: AdminApi) => Promise<void>): Promise<BerthWithLog> {
  const berth = await startBerthWithLog(configWith(projects), { dataDir });
  try {
    await body(berth, new AdminApi(berth.url));
  } finally {
    await berth.stop();
  }
  return berth;
}

const project = (api: AdminApi, name: string) => api.expect<Record<string, unknown>>(200, 'GET', `/projects/${name}`, { as: ADMIN });

describe('projects declared in configuration', () => {
  it('refuses to change or delete them through the API (409 naming the setting and the file); the value survives a restart', async () => {
    await withBerth([HUB], async (_berth, api) => {
      expect(await project(api, 'hub')).toMatchObject({ managedBy: 'configuration', declaredIn: configFile(), referrersProxy: true });

      const patched = await api.call('PATCH', '/projects/hub', { as: ADMIN, body: { referrersProxy: false } });
      expect(patched.status).toBe(409);
      expect(errorOf(patched)).toMatchObject({
        code: 'CONFLICT',
        message: `project hub is declared in ${configFile()}: change referrersProxy there`,
        detail: { project: 'hub', settings: ['referrersProxy'], declaredIn: configFile() },
      });
      const deleted = await api.call('DELETE', '/projects/hub', { as: ADMIN });
      expect(deleted.status).toBe(409);
      expect(errorOf(deleted).message).toBe(`project hub is declared in ${configFile()}: remove it there first to delete it through the API`);
      const empty = await api.call('PATCH', '/projects/hub', { as: ADMIN, body: {} });
      expect(empty.status).toBe(409);
      expect(errorOf(empty).message).toBe(`project hub is declared in ${configFile()}: change its settings there`);

      // Members stay with the API; a maintainer of the project is refused like the administrator.
      const maintainer = await createUser(api, 'hub-keeper');
      await api.expect(200, 'PUT', '/projects/hub/members/hub-keeper', { as: ADMIN, body: { role: 'maintainer' } });
      const byMaintainer = await api.call('PATCH', '/projects/hub', { as: maintainer, body: { public: true, tagTtlSeconds: 1 } });
      expect(byMaintainer.status).toBe(409);
      expect(errorOf(byMaintainer).message).toBe(`project hub is declared in ${configFile()}: change public, tagTtlSeconds there`);
      expect(await project(api, 'hub')).toMatchObject({ referrersProxy: true, public: false, tagTtlSeconds: 300 });
    });
    await withBerth([HUB], async (berth, api) => {
      expect(await project(api, 'hub')).toMatchObject({ managedBy: 'configuration', referrersProxy: true });
      // Nothing to apply: the stored project already is what the file says.
      expect(berth.records.filter((line) => line.project === 'hub' && typeof line.setting === 'string')).toEqual([]);
    });
  }, 60_000);

  it('a maintainer of another project gets no further than being denied', async () => {
    await withBerth([HUB], async (_berth, api) => {
      await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'elsewhere' } });
      const outsider = await createUser(api, 'elsewhere-keeper');
      await api.expect(200, 'PUT', '/projects/elsewhere/members/elsewhere-keeper', { as: ADMIN, body: { role: 'maintainer' } });
      const patched = await api.call('PATCH', '/projects/hub', { as: outsider, body: { referrersProxy: false } });
      expect([403, 404]).toContain(patched.status);
      expect(errorOf(patched).message).not.toContain(configFile());
      expect((await api.call('DELETE', '/projects/hub', { as: outsider })).status).toBeGreaterThanOrEqual(403);
      expect(await project(api, 'hub')).toMatchObject({ referrersProxy: true });
    });
  }, 60_000);
});

describe('projects created through the API', () => {
  it('keep a switch turned on through the API across restarts', async () => {
    await withBerth([HUB], async (_berth, api) => {
      const created = await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'proxy', name: 'mirror', upstream: UPSTREAM } });
      expect(created).toMatchObject({ managedBy: 'api', referrersProxy: false });
      expect(created).not.toHaveProperty('declaredIn');
      expect(await api.expect(200, 'PATCH', '/projects/mirror', { as: ADMIN, body: { referrersProxy: true } })).toMatchObject({ referrersProxy: true });
    });
    await withBerth([HUB], async (_berth, api) => {
      expect(await project(api, 'mirror')).toMatchObject({ managedBy: 'api', referrersProxy: true });
    });
  }, 60_000);

  it('are taken over when the configuration declares them, each applied change logged (secrets never), and handed back when it stops', async () => {
    const declared = {
      kind: 'proxy',
      name: 'mirror',
      upstream: { url: 'http://127.0.0.1:10', username: 'bob', password: 'hunter2-secret' },
      tagTtlSeconds: 60,
      referrersProxy: false,
    };
    const started = await withBerth([HUB, declared], async (_berth, api) => {
      expect(await project(api, 'mirror')).toMatchObject({ managedBy: 'configuration', declaredIn: configFile(), tagTtlSeconds: 60, referrersProxy: false });
      expect((await api.call('PATCH', '/projects/mirror', { as: ADMIN, body: { referrersProxy: true } })).status).toBe(409);
    });
    const lines = started.records.filter((line) => line.project === 'mirror');
    expect(lines.find((line) => line.msg.includes('takes over'))).toMatchObject({ msg: 'configuration takes over project mirror (it was managed by the admin API)', declaredIn: configFile() });
    const changes = lines.filter((line) => typeof line.setting === 'string').map(({ setting, before, after }) => ({ setting, before, after }));
    expect(changes).toEqual(
      expect.arrayContaining([
        { setting: 'tagTtlSeconds', before: 300, after: 60 },
        { setting: 'referrersProxy', before: true, after: false },
        { setting: 'upstream.url', before: UPSTREAM.url, after: 'http://127.0.0.1:10' },
        // The upstream's name (metric label, Cache-Status) defaults to the URL's host:port, so it follows the URL.
        { setting: 'upstream.name', before: new URL(UPSTREAM.url).host, after: '127.0.0.1:10' },
        { setting: 'upstream.credentials', before: 'none', after: 'changed' },
      ]),
    );
    expect(changes).toHaveLength(5);
    for (const secret of ['hunter2-secret', 'bob', 'sealedCredentials']) expect(started.text()).not.toContain(secret);

    const released = await withBerth([HUB], async (_berth, api) => {
      expect(await project(api, 'mirror')).toMatchObject({ managedBy: 'api', tagTtlSeconds: 60 });
      expect(await api.expect(200, 'PATCH', '/projects/mirror', { as: ADMIN, body: { referrersProxy: true } })).toMatchObject({ referrersProxy: true });
      const audit = await api.expect<{ events: Array<{ actor: string; action: string }> }>(200, 'GET', '/audit?project=mirror&account=config', { as: ADMIN });
      expect(audit.events.map((event) => event.action)).toEqual(['project.release', 'project.apply']);
    });
    expect(released.records.find((line) => line.project === 'mirror')?.msg).toBe('project mirror is no longer declared in the configuration: the admin API manages it now');
  }, 90_000);
});

describe('a configuration that changes a project kind', () => {
  it('stops the start with a config error naming the project, and leaves the hosted project as it was', async () => {
    const local = { kind: 'hosted', name: 'local' };
    let pushedDigest = '';
    await withBerth([HUB, local], async (berth) => {
      pushedDigest = (await pushImageAs(berth.url, 'local/app', 'v1', ADMIN)).digest;
    });

    // The real main: berth exits with the configuration error, code 2.
    const changedFile = join(dataDir, 'changed.json');
    await writeFile(changedFile, JSON.stringify({ server: { host: '127.0.0.1', port: 0 }, dataDir, ...configWith([HUB, { ...local, kind: 'proxy', public: true, upstream: UPSTREAM }]), log: { level: 'warn' } }));
    const { code, stderr } = await runMain(['--config', changedFile]);
    expect(stderr).toContain('berth: invalid configuration');
    expect(stderr).toContain(`projects[1].kind: project local is a hosted project, but ${changedFile} declares it proxy`);
    expect(code).toBe(2);

    await withBerth([HUB, local], async (berth, api) => {
      expect(await project(api, 'local')).toMatchObject({ kind: 'hosted', public: false, managedBy: 'configuration' });
      const pulled = await getManifestAs(berth.url, 'local/app', 'v1', ADMIN);
      expect(pulled.status).toBe(200);
      expect(pulled.headers.get('docker-content-digest')).toBe(pushedDigest);
      // Nobody may pull it anonymously: it never became a public proxy project.
      expect((await getManifestAs(berth.url, 'local/app', 'v1')).status).toBe(401);
    });
  }, 120_000);
});

/** apps/registry's main through tsx (no build), with no BERTH_* variables from this environment. */
function runMain(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const root = resolve(import.meta.dirname, '../..');
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BERTH_') && key !== 'DATABASE_URL' && key !== 'REDIS_URL'));
  return new Promise((done) => {
    execFile(join(root, 'node_modules/.bin/tsx'), [join(root, 'apps/registry/src/main.ts'), ...args], { cwd: root, env, timeout: 60_000 }, (error, _stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
    });
  });
}
