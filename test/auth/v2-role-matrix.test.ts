import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { AUTH_ADMIN } from '../api/bearer.js';
import { randomBlob } from '../api/content.js';
import { pushImage, type PushedImage } from '../api/helpers.js';

// Who may do what on /v2, as issue 5 specifies it, checked request by request for every kind of
// caller on a private and a public project. Callers authenticate with Basic credentials on /v2
// (the token dance is covered elsewhere): an anonymous caller who is refused gets 401, a known one 403.

// pushImage and friends carry the administrator's tokens (test/api/bearer.ts).
process.env.BERTH_API_TARGET = 'berth-auth';

type Operation = 'pull' | 'push' | 'delete' | 'catalog';
type Caller = 'anonymous' | 'admin' | 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'outsider' | 'robotPull' | 'robotPush' | 'robotElsewhere';

/** Allowed operations per caller on project `priv` (private); on `pub` (public) pull is open to everyone. */
const ALLOWED_ON_PRIVATE: Record<Caller, Operation[]> = {
  anonymous: [],
  admin: ['pull', 'push', 'delete', 'catalog'],
  projectAdmin: ['pull', 'push', 'delete'],
  maintainer: ['pull', 'push', 'delete'],
  developer: ['pull', 'push'],
  guest: ['pull'],
  outsider: [],
  robotPull: ['pull'],
  robotPush: ['pull', 'push'],
  robotElsewhere: [],
};
const CALLERS = Object.keys(ALLOWED_ON_PRIVATE) as Caller[];
const OPERATIONS: Operation[] = ['pull', 'push', 'delete', 'catalog'];

let berth: BerthUnderTest;
const credentials = new Map<Caller, string>();
const images = new Map<string, PushedImage>();

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const basic = Buffer.from(`${AUTH_ADMIN.username}:${AUTH_ADMIN.password}`).toString('base64');
  const response = await fetch(new URL(path, berth.url), {
    method,
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

async function addUser(caller: Caller, project: string | undefined, role: string | undefined): Promise<void> {
  const password = `${caller}-password-1`;
  await api('POST', '/api/v1/users', { name: caller.toLowerCase(), password });
  if (project !== undefined && role !== undefined) await api('PUT', `/api/v1/projects/${project}/members/${caller.toLowerCase()}`, { role });
  credentials.set(caller, `${caller.toLowerCase()}:${password}`);
}

async function addRobot(caller: Caller, project: string, permissions: string[]): Promise<void> {
  const robot = await api('POST', `/api/v1/projects/${project}/robots`, { name: caller.toLowerCase(), permissions });
  credentials.set(caller, `${String(robot.name)}:${String(robot.secret)}`);
}

beforeAll(async () => {
  berth = await startBerth({
    config: {
      auth: { admin: AUTH_ADMIN },
      projects: [
        { name: 'priv', kind: 'hosted' },
        { name: 'pub', kind: 'hosted', public: true },
        { name: 'other', kind: 'hosted' },
      ],
    },
  });
  credentials.set('admin', `${AUTH_ADMIN.username}:${AUTH_ADMIN.password}`);
  for (const [caller, role] of [['projectAdmin', 'admin'], ['maintainer', 'maintainer'], ['developer', 'developer'], ['guest', 'guest']] as const) {
    await addUser(caller, 'priv', role);
    // The same role on the public project, so the matrix there differs only by visibility.
    await api('PUT', `/api/v1/projects/pub/members/${caller.toLowerCase()}`, { role });
  }
  await addUser('outsider', undefined, undefined);
  await addRobot('robotPull', 'priv', ['pull']);
  await addRobot('robotPush', 'priv', ['pull', 'push']);
  await addRobot('robotElsewhere', 'other', ['pull', 'push', 'delete']);
  // Robots belong to one project: on `pub` they have only what public visibility gives everyone.
}, 120_000);

afterAll(async () => {
  await berth?.stop();
});

/** Perform one operation as `caller` on `project`; the HTTP status. */
async function attempt(caller: Caller, project: string, operation: Operation): Promise<number> {
  const headers: Record<string, string> = {};
  const creds = credentials.get(caller);
  if (creds !== undefined) headers.Authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
  const repo = `${project}/app`;
  let key = `${project}:${caller}:${operation}`;
  if (operation === 'pull' || operation === 'delete') {
    // Each delete gets its own image so one allowed delete does not turn the next into a 404.
    if (!images.has(key)) images.set(key, await pushImage(berth.url, repo));
  } else {
    key = '';
  }
  const image = images.get(key);
  const path = {
    pull: `/v2/${repo}/manifests/${image?.manifest.digest ?? ''}`,
    push: `/v2/${repo}/blobs/uploads/?digest=${randomBlob(16).digest}`,
    delete: `/v2/${repo}/manifests/${image?.manifest.digest ?? ''}`,
    catalog: '/v2/_catalog',
  }[operation];
  const method = { pull: 'GET', push: 'POST', delete: 'DELETE', catalog: 'GET' }[operation];
  const response = await fetch(new URL(path, berth.url), { method, headers: { ...headers, 'Content-Length': '0' } });
  await response.arrayBuffer();
  return response.status;
}

function expected(caller: Caller, project: 'priv' | 'pub', operation: Operation): 'allowed' | 401 | 403 {
  let allowed = ALLOWED_ON_PRIVATE[caller].includes(operation);
  const robotOnPub = project === 'pub' && caller.startsWith('robot');
  if (robotOnPub) allowed = operation === 'pull';
  if (project === 'pub' && operation === 'pull') allowed = true;
  if (allowed) return 'allowed';
  return caller === 'anonymous' ? 401 : 403;
}

describe.each(['priv', 'pub'] as const)('on project %s', (project) => {
  it.each(CALLERS.flatMap((caller) => OPERATIONS.map((operation) => [caller, operation] as const)))('%s %s', async (caller, operation) => {
    const status = await attempt(caller, project, operation);
    const want = expected(caller, project, operation);
    if (want === 'allowed') {
      // The push is a monolithic POST of a digest with an empty body: past authorization it fails the digest check (400).
      expect(status).toBe({ pull: 200, push: 400, delete: 202, catalog: 200 }[operation]);
    } else {
      expect(status).toBe(want);
    }
  });
});

describe('existence of private repositories', () => {
  it.each(['priv/app', 'priv/never-pushed'])('anonymous gets 401 and an outsider 403 for %s alike', async (repo) => {
    const anonymous = await fetch(new URL(`/v2/${repo}/tags/list`, berth.url));
    expect(anonymous.status).toBe(401);
    const outsider = await fetch(new URL(`/v2/${repo}/tags/list`, berth.url), {
      headers: { Authorization: `Basic ${Buffer.from(credentials.get('outsider') ?? '').toString('base64')}` },
    });
    expect(outsider.status).toBe(403);
  });
});
