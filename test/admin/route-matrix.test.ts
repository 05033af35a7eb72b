import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { ADMIN_ROUTES } from '../../apps/registry/src/routes/admin/index.js';
import { dancePushImage } from '../auth/token-dance.js';
import type { BerthUnderTest } from '../harness/berth.js';
import { ADMIN, AdminApi, startBerthWithAuth } from './api.js';
import { ROLES, addFixtureMembers, createRoleFixture, createUser, type Role, type RoleFixture } from './fixtures.js';

// Every admin route × every kind of caller → the status the rights table promises. Project routes
// use one private hosted project; routes that destroy what they act on get a fresh target per call.

interface Setup {
  api: AdminApi;
  fixture: RoleFixture;
  /** The caller this request is for. */
  role: Role;
  /** A number unique to this call, for fresh names. */
  n: number;
}

interface MatrixCase {
  /** The concrete request for one caller; may first create a fresh target (as the system admin). */
  request(setup: Setup): Promise<{ path: string; body?: unknown }>;
  /** In ROLES order: anonymous, system-admin, project-admin, maintainer, developer, guest, non-member, robot. */
  expect: [number, number, number, number, number, number, number, number];
}

const P = 'team';
const SPARE_USER = 'matrix-spare';
const SPARE_ROBOT = 'spare-bot';
const fixed = (path: string, body?: unknown) => async () => (body === undefined ? { path } : { path, body });

const SYSTEM_ADMIN_ONLY = (ok: number): MatrixCase['expect'] => [401, ok, 403, 403, 403, 403, 403, 403];
const PROJECT_ADMIN = (ok: number): MatrixCase['expect'] => [401, ok, ok, 403, 403, 403, 404, 403];
const MAINTAINER = (ok: number): MatrixCase['expect'] => [401, ok, ok, ok, 403, 403, 404, 403];
const ANYONE_WHO_SEES = (ok: number): MatrixCase['expect'] => [401, ok, ok, ok, ok, ok, 404, ok];
const AUTHENTICATED = (ok: number): MatrixCase['expect'] => [401, ok, ok, ok, ok, ok, ok, ok];

const MATRIX: Record<string, MatrixCase> = {
  'GET /projects': { request: fixed('/projects'), expect: AUTHENTICATED(200) },
  'POST /projects': { request: async ({ n }) => ({ path: '/projects', body: { kind: 'hosted', name: `created-${n}` } }), expect: SYSTEM_ADMIN_ONLY(201) },
  'GET /projects/{project}': { request: fixed(`/projects/${P}`), expect: ANYONE_WHO_SEES(200) },
  'PATCH /projects/{project}': { request: fixed(`/projects/${P}`, { public: false }), expect: MAINTAINER(200) },
  'DELETE /projects/{project}': {
    request: async ({ api, fixture, role, n }) => {
      await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: `doomed-${n}` } });
      await addFixtureMembers(api, fixture, `doomed-${n}`, role);
      return { path: `/projects/doomed-${n}` };
    },
    // The robot belongs to another project: this one is invisible to it.
    expect: [401, 204, 204, 403, 403, 403, 404, 404],
  },
  'GET /projects/{project}/repositories': { request: fixed(`/projects/${P}/repositories`), expect: ANYONE_WHO_SEES(200) },
  'GET /projects/{project}/repositories/{repository}/tags': { request: fixed(`/projects/${P}/repositories/app/tags`), expect: ANYONE_WHO_SEES(200) },
  'GET /projects/{project}/repositories/{repository}/artifacts/{reference}': { request: fixed(`/projects/${P}/repositories/app/artifacts/v1`), expect: ANYONE_WHO_SEES(200) },
  'DELETE /projects/{project}/repositories/{repository}/tags/{tag}': {
    request: async ({ n }) => {
      await dancePushImage(berth.url, `${P}/app`, `t${n}`, { username: ADMIN.name, password: ADMIN.password });
      return { path: `/projects/${P}/repositories/app/tags/t${n}` };
    },
    expect: MAINTAINER(204),
  },
  'DELETE /projects/{project}/repositories/{repository}': {
    request: async ({ n }) => {
      await dancePushImage(berth.url, `${P}/doomed/r${n}`, 'v1', { username: ADMIN.name, password: ADMIN.password });
      return { path: `/projects/${P}/repositories/doomed%2Fr${n}` };
    },
    expect: MAINTAINER(204),
  },
  'GET /projects/{project}/members': { request: fixed(`/projects/${P}/members`), expect: MAINTAINER(200) },
  'PUT /projects/{project}/members/{user}': { request: fixed(`/projects/${P}/members/${SPARE_USER}`, { role: 'guest' }), expect: PROJECT_ADMIN(200) },
  'DELETE /projects/{project}/members/{user}': {
    request: async ({ api, n }) => {
      const user = await createUser(api, `leaving-${n}`);
      await api.expect(200, 'PUT', `/projects/${P}/members/${user.name}`, { as: ADMIN, body: { role: 'guest' } });
      return { path: `/projects/${P}/members/${user.name}` };
    },
    expect: PROJECT_ADMIN(204),
  },
  'GET /projects/{project}/robots': { request: fixed(`/projects/${P}/robots`), expect: MAINTAINER(200) },
  'POST /projects/{project}/robots': { request: async ({ n }) => ({ path: `/projects/${P}/robots`, body: { name: `bot${n}` } }), expect: PROJECT_ADMIN(201) },
  'GET /projects/{project}/robots/{robot}': { request: fixed(`/projects/${P}/robots/ci`), expect: MAINTAINER(200) },
  'PATCH /projects/{project}/robots/{robot}': { request: fixed(`/projects/${P}/robots/${SPARE_ROBOT}`, { description: 'patched' }), expect: PROJECT_ADMIN(200) },
  'DELETE /projects/{project}/robots/{robot}': {
    request: async ({ api, n }) => {
      await api.expect(201, 'POST', `/projects/${P}/robots`, { as: ADMIN, body: { name: `gone${n}` } });
      return { path: `/projects/${P}/robots/gone${n}` };
    },
    expect: PROJECT_ADMIN(204),
  },
  'POST /projects/{project}/robots/{robot}/secret': { request: fixed(`/projects/${P}/robots/${SPARE_ROBOT}/secret`), expect: PROJECT_ADMIN(200) },
  'POST /projects/{project}/robots/{robot}/unlock': { request: fixed(`/projects/${P}/robots/${SPARE_ROBOT}/unlock`), expect: PROJECT_ADMIN(200) },
  'POST /projects/{project}/cache/purge': { request: fixed(`/projects/${P}/cache/purge`, {}), expect: MAINTAINER(200) },
  'GET /projects/{project}/cache/stats': { request: fixed(`/projects/${P}/cache/stats`), expect: ANYONE_WHO_SEES(200) },
  'GET /projects/{project}/signature-verdicts': { request: fixed(`/projects/${P}/signature-verdicts`), expect: ANYONE_WHO_SEES(200) },
  'GET /users': { request: fixed('/users'), expect: SYSTEM_ADMIN_ONLY(200) },
  'POST /users': { request: async ({ n }) => ({ path: '/users', body: { name: `new-user-${n}`, password: 'new-user-password' } }), expect: SYSTEM_ADMIN_ONLY(201) },
  'GET /users/{user}': { request: fixed(`/users/${SPARE_USER}`), expect: SYSTEM_ADMIN_ONLY(200) },
  'PATCH /users/{user}': { request: fixed(`/users/${SPARE_USER}`, { disabled: false }), expect: SYSTEM_ADMIN_ONLY(200) },
  'DELETE /users/{user}': {
    request: async ({ api, n }) => ({ path: `/users/${(await createUser(api, `removed-${n}`)).name}` }),
    expect: SYSTEM_ADMIN_ONLY(204),
  },
  'POST /users/{user}/unlock': { request: fixed(`/users/${SPARE_USER}/unlock`), expect: SYSTEM_ADMIN_ONLY(200) },
  'GET /jobs': { request: fixed('/jobs'), expect: SYSTEM_ADMIN_ONLY(200) },
  'GET /audit': { request: fixed('/audit'), expect: SYSTEM_ADMIN_ONLY(200) },
  'GET /me': { request: fixed('/me'), expect: AUTHENTICATED(200) },
  'GET /openapi.json': { request: fixed('/openapi.json'), expect: [200, 200, 200, 200, 200, 200, 200, 200] },
};

let berth: BerthUnderTest;
let api: AdminApi;
let fixture: RoleFixture;
let counter = 0;

beforeAll(async () => {
  berth = await startBerthWithAuth();
  api = new AdminApi(berth.url);
  fixture = await createRoleFixture(api, P);
  await createUser(api, SPARE_USER);
  await dancePushImage(berth.url, `${P}/app`, 'v1', { username: ADMIN.name, password: ADMIN.password });
  await api.expect(201, 'POST', `/projects/${P}/robots`, { as: ADMIN, body: { name: SPARE_ROBOT } });
});

afterAll(async () => {
  await berth?.stop();
});

describe('admin API route × role matrix', () => {
  it('covers every route of the route table', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(ADMIN_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort());
  });

  it.each(Object.keys(MATRIX))('%s', async (route) => {
    const method = route.slice(0, route.indexOf(' '));
    const matrixCase = MATRIX[route];
    if (matrixCase === undefined) throw new Error(`no case for ${route}`);
    const actual: Partial<Record<Role, number>> = {};
    const expected: Partial<Record<Role, number>> = {};
    for (const [index, role] of ROLES.entries()) {
      const request = await matrixCase.request({ api, fixture, role, n: counter++ });
      const account = fixture.accounts[role];
      const answer = await api.call(method, request.path, { ...(account !== undefined ? { as: account } : {}), ...(request.body !== undefined ? { body: request.body } : {}) });
      actual[role] = answer.status;
      expected[role] = matrixCase.expect[index];
      if (answer.status === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="berth"/);
    }
    expect(actual).toEqual(expected);
  });
});
