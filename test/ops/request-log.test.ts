import { Writable } from 'node:stream';
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { berthConfigSchema } from '@berth/config';
import { createLogger } from '@berth/runtime';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { send, type HttpResult } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { pushImage, type PushedImage } from '../upstream/push.js';

// The request log through the real app: one line per request with its route name, project and cache
// result on a proxied pull; passwords, Basic credentials and tokens never reach the log.

const ADMIN_PASSWORD = 'admin-secret-Qx7vT2';
const WRONG_PASSWORD = 'wrong-secret-Lm4pZ9';
const USER_PASSWORD = 'user-secret-Hd8kW3';
const UPSTREAM_PASSWORD = 'upstream-secret-Rb5nC1';
const QUERY_SECRET = 'query-secret-Jy6sF0';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
    callback();
  },
});
const records = () => lines.map((line) => JSON.parse(line) as Line);
const requestRecords = () => records().filter((record) => record.msg === 'request');

let upstream: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let image: PushedImage;
/** Every credential the test sent or received: none may appear in the log. */
const secrets: string[] = [ADMIN_PASSWORD, WRONG_PASSWORD, USER_PASSWORD, UPSTREAM_PASSWORD, QUERY_SECRET];
const basic = (user: string, password: string) => {
  const encoded = Buffer.from(`${user}:${password}`).toString('base64');
  secrets.push(encoded);
  return `Basic ${encoded}`;
};

beforeAll(async () => {
  upstream = await startDockerRegistry();
  image = await pushImage(upstream.url, 'library/app', 'v1', [3000]);
  // The logger main.ts builds (same options, redaction included), writing into memory; debug shows everything.
  const logger = createLogger(berthConfigSchema.parse({ log: { level: 'debug' } }), sink);
  berth = await startBerth({
    logger,
    config: {
      log: { level: 'debug' },
      auth: { admin: { username: 'admin', password: ADMIN_PASSWORD } },
      projects: [{ kind: 'proxy', name: 'hub', upstream: { url: upstream.url, username: 'puller', password: UPSTREAM_PASSWORD } }],
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await upstream?.stop();
});

/** Wait until the request lines of everything sent so far are written (they are written when each response closes). */
async function settled(expected: number): Promise<Line[]> {
  const deadline = Date.now() + 30_000; // waited for; only a lost line reaches the bound
  while (requestRecords().length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return requestRecords();
}

function expectOk(answer: HttpResult, what: string): HttpResult {
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${answer.text()}`);
  return answer;
}

describe('request log', () => {
  let token: string;

  it('names the route, project and cache result of every proxied request, one line each', async () => {
    const before = requestRecords().length;
    const tokenAnswer = expectOk(
      await send(berth.url, 'GET', `/token?scope=repository:hub/library/app:pull&account=admin&password=${QUERY_SECRET}`, { headers: { Authorization: basic('admin', ADMIN_PASSWORD) } }),
      'token',
    );
    token = tokenAnswer.json<{ token: string }>().token;
    secrets.push(token);
    const bearer = { Authorization: `Bearer ${token}`, accept: MANIFEST_ACCEPT };
    const manifest = `/v2/hub/library/app/manifests/v1`;
    const blob = `/v2/hub/library/app/blobs/${image.layers[0]!.digest}`;
    const pull = async (path: string) => expectOk(await send(berth.url, 'GET', path, { headers: bearer }), path).headers.get('cache-status');
    const sent: Array<[string, string | null]> = [];
    for (const path of [manifest, manifest, blob]) sent.push([path, await pull(path)]);
    // The blob is served while its fill completes: until it is stored, a GET joins the fill (coalesced).
    for (let i = 0; i < 50 && sent.at(-1)?.[1] !== 'Berth; hit'; i++) sent.push([blob, await pull(blob)]);
    expect(sent.map(([, header]) => header)).toEqual([
      'Berth; fwd=miss; stored',
      expect.stringMatching(/^Berth; hit; ttl=\d+$/),
      'Berth; fwd=miss; stored',
      ...Array.from({ length: sent.length - 4 }, () => 'Berth; fwd=miss; collapsed'),
      'Berth; hit',
    ]);

    const logged = (await settled(before + 1 + sent.length)).slice(before);
    expect(logged).toHaveLength(1 + sent.length);
    expect(logged[0]).toMatchObject({ method: 'GET', route: 'token', path: '/token', status: 200 });
    expect(logged[0]).not.toHaveProperty('cache');
    const pulls = logged.slice(1).map((line) => ({ route: line.route, project: line.project, path: line.path, status: line.status, cache: line.cache }));
    expect(pulls).toEqual([
      { route: 'v2_manifest', project: 'hub', path: manifest, status: 200, cache: 'miss' },
      { route: 'v2_manifest', project: 'hub', path: manifest, status: 200, cache: 'hit' },
      { route: 'v2_blob', project: 'hub', path: blob, status: 200, cache: 'miss' },
      ...Array.from({ length: sent.length - 4 }, () => ({ route: 'v2_blob', project: 'hub', path: blob, status: 200, cache: 'coalesced' })),
      { route: 'v2_blob', project: 'hub', path: blob, status: 200, cache: 'hit' },
    ]);
    for (const line of logged) {
      expect(line).toMatchObject({ reqId: expect.any(String), bytes: expect.any(Number), durationMs: expect.any(Number), completed: true });
    }
    expect(logged[3]?.bytes).toBe(3000);
  });

  it('never logs passwords, Basic credentials or tokens', async () => {
    const before = requestRecords().length;
    // A failed login, a password grant, a refresh token, the admin API with a password in the body.
    expect((await send(berth.url, 'GET', '/token?scope=registry:catalog:*', { headers: { Authorization: basic('admin', WRONG_PASSWORD) } })).status).toBe(401);
    const form = new URLSearchParams({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD, scope: 'repository:hub/library/app:pull' });
    const granted = expectOk(
      await send(berth.url, 'POST', '/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() }),
      'password grant',
    ).json<{ access_token: string; refresh_token: string }>();
    secrets.push(granted.access_token, granted.refresh_token);
    const refresh = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: granted.refresh_token, scope: 'repository:hub/library/app:pull' });
    secrets.push(expectOk(await send(berth.url, 'POST', '/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: refresh.toString() }), 'refresh').json<{ access_token: string }>().access_token);
    const admin = { Authorization: basic('admin', ADMIN_PASSWORD), 'Content-Type': 'application/json' };
    expectOk(await send(berth.url, 'POST', '/api/v1/users', { headers: admin, body: JSON.stringify({ name: 'dev', password: USER_PASSWORD }) }), 'create user');
    expectOk(await send(berth.url, 'GET', '/api/v1/projects/hub', { headers: admin }), 'get project');
    expectOk(await send(berth.url, 'GET', '/v2/hub/library/app/tags/list', { headers: { Authorization: `Bearer ${granted.access_token}` } }), 'tags');
    expect((await send(berth.url, 'GET', '/v2/hub/library/app/tags/list', { headers: { Authorization: 'Bearer not-a-valid-token-Pw3' } })).status).toBe(401);
    secrets.push('not-a-valid-token-Pw3');

    const logged = (await settled(before + 7)).slice(before);
    expect(logged.map((line) => [line.route, line.status])).toEqual([
      ['token', 401],
      ['token', 200],
      ['token', 200],
      ['admin', 201],
      ['admin', 200],
      ['v2_tags', 200],
      ['v2_tags', 401],
    ]);
    expect(logged[4]).toMatchObject({ route: 'admin', project: 'hub', path: '/api/v1/projects/hub' });
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of secrets) expect([secret, text.includes(secret)]).toEqual([secret, false]);
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
    expect(text).not.toMatch(/Bearer [A-Za-z0-9._-]{8,}/);
    // No logged path carries a query string.
    for (const line of requestRecords()) expect(String(line.path)).not.toContain('?');
  });
});
