import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { AUTH_ADMIN, bearerFor } from '../api/bearer.js';
import type { ManifestDoc } from '../api/content.js';
import { danceGetManifest } from '../auth/token-dance.js';
import { launchChromium, type BrowserUnderTest } from '../harness/browser.js';
import { skopeoInspectRaw } from '../harness/clients.js';
import { NOTATION_SIGNATURE, pushArtifact, pushCosignSignature } from '../proxy/referrers-fixtures.js';
import { startProxySetup, type ProxySetup } from '../proxy/setup.js';
import { pushImage } from '../upstream/push.js';
import { AdminApi } from '../admin/api.js';

// The web console in headless Chromium against a real Berth in front of a real docker-registry:
// log in with the keyboard, switch referrersProxy and see the artifact's referrers grow from the
// local one to the merged list, create a robot and pull with its secret through skopeo, purge a
// repository's cache, and a guest who sees no admin controls and whom the API refuses anyway.
// With BERTH_CONSOLE_SCREENSHOTS=<dir> it also saves the main pages as PNGs (docs/console/).

const ADMIN = { name: AUTH_ADMIN.username, password: AUTH_ADMIN.password };
const VIEWER = { name: 'viewer', password: 'viewer-password-1' };
const SCREENSHOTS = process.env.BERTH_CONSOLE_SCREENSHOTS;

let setup: ProxySetup;
let browser: BrowserUnderTest;
let page: Page;
let api: AdminApi;
let image: ManifestDoc;
let localSignature: ManifestDoc;
let cosignSignature: ManifestDoc;
const credentials = { username: ADMIN.name, password: ADMIN.password };

/** Build the console from its sources (Vite alone, a few seconds), so the test never runs a stale dist/. */
async function buildConsole(): Promise<void> {
  const dir = fileURLToPath(new URL('../../apps/console/', import.meta.url));
  const vite = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url));
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: dir, timeout: 120_000 });
}

beforeAll(async () => {
  await buildConsole();
  setup = await startProxySetup([{ kind: 'hosted', name: 'apps' }], { auth: { admin: { password: ADMIN.password } } });
  api = new AdminApi(setup.berth.url);
  // Owned by the admin API, so the console may change its settings (configuration owns the projects it declares).
  await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'proxy', name: 'hub', upstream: { url: setup.relay.url } } });
  image = (await pushImage(setup.upstream.url, 'library/app', 'v1', [2048])).manifest;
  cosignSignature = await pushCosignSignature(setup.upstream.url, 'library/app', image);
  expect((await danceGetManifest(setup.berth.url, 'hub/library/app', 'v1', credentials)).status).toBe(200);
  const token = (await bearerFor(setup.berth.url, ['repository:hub/library/app:pull,push']))!;
  localSignature = await pushArtifact(setup.berth.url, 'hub/library/app', image, NOTATION_SIGNATURE, token);
  await api.expect(201, 'POST', '/users', { as: ADMIN, body: { name: VIEWER.name, password: VIEWER.password } });
  await api.expect(200, 'PUT', '/projects/hub/members/viewer', { as: ADMIN, body: { role: 'guest' } });
  browser = await launchChromium({ viewport: { width: 1100, height: 720 } });
  page = await browser.context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  if (SCREENSHOTS !== undefined) await mkdir(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.stop();
  await setup?.stop();
});

async function screenshot(name: string): Promise<void> {
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Log in with the keyboard only: type, Tab, type, Enter. */
async function logIn(account: { name: string; password: string }): Promise<void> {
  await page.goto(`${setup.berth.url}/`);
  await page.getByLabel('User name').focus();
  await page.keyboard.type(account.name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(account.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}

async function logOut(): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
}

const artifactUrl = () => `${setup.berth.url}/#/projects/hub/repositories/library%2Fapp/artifacts/v1`;

/** The top-level referrers on the artifact page as [digest, origin]. */
async function referrersShown(): Promise<string[][]> {
  const tree = page.getByTestId('referrers');
  await tree.waitFor();
  return tree.locator(':scope > li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-digest') ?? '', li.getAttribute('data-origin') ?? '']));
}

describe('the web console', () => {
  it('serves the console at / with a strict content security policy', async () => {
    const response = await fetch(`${setup.berth.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    const html = await response.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${setup.berth.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('logs in, lists projects, and refuses a wrong password with the server message', async () => {
    await page.goto(`${setup.berth.url}/`);
    await page.getByLabel('User name').fill(ADMIN.name);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectAlert(/401 UNAUTHORIZED/);
    await logIn(ADMIN);
    const rows = page.locator('table tbody tr th a');
    await expect(rows.allTextContents()).resolves.toEqual(['apps', 'hub']);
    await screenshot('projects');
  });

  it('shows local referrers, then the merged list once referrersProxy is switched on with the keyboard', async () => {
    await page.goto(artifactUrl());
    expect(await referrersShown()).toEqual([[localSignature.digest, 'local']]);
    await page.goto(`${setup.berth.url}/#/`);
    const toggle = page.getByRole('switch', { name: 'Merge upstream referrers in hub' });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.focus();
    await page.keyboard.press('Space');
    // Checked once the PATCH succeeded and the list was read again.
    await page.locator('input[role=switch]:checked').waitFor();
    const stored = await api.expect<{ referrersProxy: boolean }>(200, 'GET', '/projects/hub', { as: ADMIN });
    expect(stored.referrersProxy).toBe(true);
    await page.goto(artifactUrl());
    await page.locator('[data-origin=upstream]').first().waitFor();
    expect(await referrersShown()).toEqual([
      [localSignature.digest, 'local'],
      [cosignSignature.digest, 'upstream'],
    ]);
    await screenshot('artifact');
  });

  it('creates a robot whose secret, shown once, pulls with skopeo; a duplicate name shows the 409', async () => {
    await page.goto(`${setup.berth.url}/#/projects/hub/robots`);
    const form = page.getByRole('form', { name: 'New robot account' });
    await form.getByLabel('Name').fill('ci');
    await form.getByRole('button', { name: 'Create robot account' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const secret = (await dialog.locator('#robot-secret').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    const login = await dialog.locator('pre').textContent();
    expect(login).toBe(`echo '${secret}' | docker login ${new URL(setup.berth.url).host} -u 'robot$hub+ci' --password-stdin`);
    await screenshot('robot-secret');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: /robot\$hub\+ci/ }).waitFor();

    const manifest = await skopeoInspectRaw(`docker://${new URL(setup.berth.url).host}/hub/library/app:v1`, { creds: `robot$hub+ci:${secret}` });
    expect(JSON.parse(manifest.toString('utf8'))).toMatchObject({ config: { digest: expect.stringMatching(/^sha256:/) } });
    await expect(skopeoInspectRaw(`docker://${new URL(setup.berth.url).host}/hub/library/app:v1`, { creds: `robot$hub+ci:not-the-secret` })).rejects.toThrow();

    await form.getByLabel('Name').fill('ci');
    await form.getByRole('button', { name: 'Create robot account' }).click();
    await expectAlert(/409 CONFLICT/);
  });

  it("purges one repository's cache from the repositories list", async () => {
    await page.goto(`${setup.berth.url}/#/projects/hub/repositories`);
    const row = page.getByRole('row', { name: /^hub\/library\/app/ });
    await row.waitFor();
    await page.getByText('How to pull hub/library/app').click();
    const host = new URL(setup.berth.url).host;
    await page.getByText(`docker pull ${host}/hub/library/app:latest`).waitFor();
    await page.getByText(`podman pull --tls-verify=false ${host}/hub/library/app:latest`).waitFor();
    await page.getByText(`/etc/containerd/certs.d/${host}/hosts.toml`).waitFor();
    await screenshot('repositories');
    await row.getByRole('button', { name: 'Purge cache' }).click();
    await page.getByRole('status').filter({ hasText: 'Purged the cache of hub/library/app' }).waitFor();
    const text = await page.getByRole('status').textContent();
    expect(Number(/: (\d+) manifests/.exec(text ?? '')?.[1])).toBeGreaterThan(0);
    const tags = await api.expect<{ tags: unknown[] }>(200, 'GET', '/projects/hub/repositories/library%2Fapp/tags', { as: ADMIN });
    expect(tags.tags).toEqual([]);
    await page.goto(`${setup.berth.url}/#/projects/hub/settings`);
    await page.getByRole('form', { name: 'Project settings' }).waitFor();
    await screenshot('proxy-settings');
  });

  it('changes proxy settings: TTLs, push policy and write-only upstream credentials', async () => {
    await page.goto(`${setup.berth.url}/#/projects/hub/settings`);
    const form = page.getByRole('form', { name: 'Project settings' });
    await form.getByLabel('Tag TTL (seconds)').fill('120');
    await form.getByLabel('Push policy').selectOption('none');
    await form.getByLabel('User name').fill('mirror-user');
    await form.getByLabel('Password or token').fill('mirror-secret-1');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await form.getByLabel('Password or token').inputValue()).toBe('');
    const stored = await api.expect<Record<string, unknown>>(200, 'GET', '/projects/hub', { as: ADMIN });
    expect(stored).toMatchObject({ tagTtlSeconds: 120, pushPolicy: 'none', referrersProxy: true, upstream: { url: setup.relay.url, credentials: 'basic' } });
    expect(JSON.stringify(stored)).not.toContain('mirror-secret-1');
    await form.getByText('Credentials: basic').waitFor();
  });

  it('creates a user and a proxy project, and makes the user a member, without curl', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    const userForm = page.getByRole('form', { name: 'New user' });
    await userForm.getByLabel('Name').fill('newbie');
    await userForm.getByLabel('Password').fill('newbie-password-1');
    await userForm.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('row', { name: /^newbie/ }).waitFor();

    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByText('New project').click();
    const projectForm = page.getByRole('form', { name: 'New project' });
    await projectForm.getByLabel('Kind').selectOption('proxy');
    await projectForm.getByLabel('Name').fill('mirror');
    await projectForm.getByLabel('Upstream URL').fill(setup.relay.url);
    await projectForm.getByLabel('Mirror of (ns, optional)').fill(setup.upstream.host);
    await projectForm.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: /^mirror/ }).waitFor();

    await page.getByRole('link', { name: 'Members' }).click();
    const memberForm = page.getByRole('form', { name: 'Add a member' });
    await memberForm.getByLabel('User').fill('newbie');
    await memberForm.getByLabel('Role').selectOption('developer');
    await memberForm.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('row', { name: /^newbie/ }).waitFor();

    const project = await api.expect<{ kind: string; upstream: { url: string }; ns: string[] }>(200, 'GET', '/projects/mirror', { as: ADMIN });
    expect(project).toMatchObject({ kind: 'proxy', upstream: { url: setup.relay.url }, ns: [setup.upstream.host] });
    const members = await api.expect<{ members: Array<{ user: string; role: string }> }>(200, 'GET', '/projects/mirror/members', { as: ADMIN });
    expect(members.members).toEqual([{ project: 'mirror', user: 'newbie', role: 'developer' }]);
    // The new member pulls through the new project with the credentials made in the console.
    const pulled = await danceGetManifest(setup.berth.url, 'mirror/library/app', 'v1', { username: 'newbie', password: 'newbie-password-1' });
    expect(pulled.status).toBe(200);
  });

  it('filters the audit log by action, and shows the job queue', async () => {
    await page.goto(`${setup.berth.url}/#/audit`);
    await page.getByRole('cell', { name: 'robot.create' }).waitFor();
    const filter = page.getByRole('form', { name: 'Filter events' });
    await filter.getByLabel('Action').selectOption('cache.purge');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('cell', { name: 'robot.create' }).waitFor({ state: 'detached' });
    const actions = await page.locator('table tbody tr td:nth-child(3)').allTextContents();
    expect(actions).toEqual(['cache.purge']);
    await page.getByRole('cell', { name: 'repository:hub/library/app' }).waitFor();
    await screenshot('audit');
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Background jobs' }).waitFor();
    await page.getByText('Waiting').waitFor();
  });

  it('shows a guest no admin controls, and the API refuses the guest anyway', async () => {
    await logOut();
    await logIn(VIEWER);
    await expect(page.getByRole('switch', { name: 'Merge upstream referrers in hub' }).isDisabled()).resolves.toBe(true);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await page.getByText('New project').count()).toBe(0);
    await page.goto(`${setup.berth.url}/#/projects/hub/repositories`);
    await page.getByRole('row', { name: /^hub\/library\/app/ }).waitFor();
    const tabs = await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link').allTextContents();
    expect(tabs).toEqual(['Repositories', 'Proxy settings', 'Cache']);
    expect(await page.getByRole('button', { name: /Delete|Purge/ }).count()).toBe(0);
    await page.goto(`${setup.berth.url}/#/projects/hub/settings`);
    await page.getByText('Changing settings needs the maintainer role.').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);

    // The same session's token, used by hand: every change is refused by the API.
    // (A string: it runs in the page, where sessionStorage and fetch are the browser's.)
    const statuses = await page.evaluate<number[]>(`(async () => {
      const session = JSON.parse(sessionStorage.getItem('berth.session') ?? '{}');
      const call = async (method, path, body) =>
        (await fetch('/api/v1' + path, { method, headers: { Authorization: 'Bearer ' + session.access, 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })).status;
      return [
        await call('PATCH', '/projects/hub', { referrersProxy: false }),
        await call('DELETE', '/projects/hub/repositories/library%2Fapp'),
        await call('POST', '/projects/hub/cache/purge', {}),
        await call('POST', '/projects/hub/robots', { name: 'sneaky' }),
        await call('GET', '/projects/hub/repositories'),
      ];
    })()`);
    expect(statuses).toEqual([403, 403, 403, 403, 200]);
  });
});

async function expectAlert(message: RegExp): Promise<void> {
  const alert = page.getByRole('alert').filter({ hasText: message });
  await alert.waitFor();
}
