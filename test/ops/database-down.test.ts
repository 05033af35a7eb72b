import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { AUTH_ADMIN } from '../api/bearer.js';
import { pushImage, send, type HttpResult, type PushedImage } from '../api/helpers.js';
import { basicHeader } from '../auth/registry-http.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startPostgresInstance, type PostgresInstance } from '../harness/postgres-instance.js';

// PostgreSQL stopped under a running Berth (its own server, not the shared cluster): what needs the
// database is 503 UNAVAILABLE "metadata database unavailable: ...", never a 500; /readyz names the
// database; what needs none is still served (proxied manifests in memory, stored proxy blobs, bearer
// token checks); and everything works again once the server is back, without a restart.

// pushImage carries the administrator's bearer tokens (test/api/bearer.ts).
process.env.BERTH_API_TARGET = 'berth-auth';

interface Readyz {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

let pg: PostgresInstance;
let upstream: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let upstreamImage: PushedImage;
let hostedImage: PushedImage;
let token: string;

const auth = () => ({ Authorization: `Bearer ${token}` });
const manifestHeaders = () => ({ ...auth(), Accept: MANIFEST_ACCEPT });

beforeAll(async () => {
  pg = await startPostgresInstance();
  upstream = await startDockerRegistry();
  upstreamImage = await pushImage(upstream.url, 'library/app', 'v1', { layerCount: 2 });
  berth = await startBerth({
    config: {
      database: { url: pg.url },
      auth: { admin: AUTH_ADMIN },
      projects: [
        { kind: 'proxy', name: 'hub', upstream: { url: upstream.url }, tagTtlSeconds: 3600 },
        { kind: 'hosted', name: 'local' },
      ],
    },
  });
  hostedImage = await pushImage(berth.url, 'local/app', 'v1');
  const issued = await send(berth.url, 'GET', '/token?scope=repository:hub/library/app:pull&scope=repository:local/app:pull,push', {
    headers: { Authorization: basicHeader(AUTH_ADMIN) },
  });
  expect(issued.status).toBe(200);
  token = issued.json<{ token: string }>().token;
  // Cold pulls: the tag and the digest are remembered in memory, the layers stored.
  for (const reference of ['v1', upstreamImage.manifest.digest]) {
    expect((await send(berth.url, 'GET', `/v2/hub/library/app/manifests/${reference}`, { headers: manifestHeaders() })).status).toBe(200);
  }
  for (const layer of upstreamImage.layers) {
    expect((await send(berth.url, 'GET', `/v2/hub/library/app/blobs/${layer.digest}`, { headers: auth() })).status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await berth?.stop();
  await upstream?.stop();
  await pg?.stop();
});

function expectDatabaseUnavailable(answer: HttpResult, what: string): void {
  expect([what, answer.status]).toEqual([what, 503]);
  if (answer.body.length === 0) return; // HEAD
  const [entry] = answer.json<{ errors: Array<{ code: string; message: string; detail?: { reason?: string } }> }>().errors;
  expect(entry?.code).toBe('UNAVAILABLE');
  expect(entry?.message).toMatch(/^metadata database unavailable: \S/);
  expect(entry?.detail?.reason).toEqual(expect.any(String));
}

async function readyz(): Promise<{ status: number; report: Readyz }> {
  const answer = await send(berth.url, 'GET', '/readyz');
  return { status: answer.status, report: answer.json<Readyz>() };
}

describe('PostgreSQL stopped', () => {
  beforeAll(async () => {
    await pg.pause();
    // Past the 5 s for which proxy project settings are reused without a read: what is served below
    // is served with the settings read last, not because they happened to be fresh.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
  }, 60_000);

  it('/readyz is 503 and says the database is unavailable', async () => {
    const { status, report } = await readyz();
    expect(status).toBe(503);
    expect(report.checks.database?.status).toBe('error');
    expect(report.checks.database?.error).toMatch(/metadata database unavailable/);
    expect(report.checks.storage?.status).toBe('ok');
  });

  it('reads and writes that need the database are 503 UNAVAILABLE with the reason, never 500', async () => {
    const layer = hostedImage.layers[0]!;
    const answers: Array<[string, HttpResult]> = [
      ['hosted manifest by tag', await send(berth.url, 'GET', '/v2/local/app/manifests/v1', { headers: manifestHeaders() })],
      ['hosted manifest by digest', await send(berth.url, 'GET', `/v2/local/app/manifests/${hostedImage.manifest.digest}`, { headers: manifestHeaders() })],
      // A hosted blob is served only to repositories it is linked to: that check needs the database.
      ['hosted blob', await send(berth.url, 'GET', `/v2/local/app/blobs/${layer.digest}`, { headers: auth() })],
      ['hosted blob HEAD', await send(berth.url, 'HEAD', `/v2/local/app/blobs/${layer.digest}`, { headers: auth() })],
      ['upload start', await send(berth.url, 'POST', '/v2/local/app/blobs/uploads/', { headers: { ...auth(), 'Content-Length': '0' } })],
      ['tag list', await send(berth.url, 'GET', '/v2/local/app/tags/list', { headers: auth() })],
      // Basic credentials are checked against the accounts table.
      ['admin API', await send(berth.url, 'GET', '/api/v1/projects', { headers: { Authorization: basicHeader(AUTH_ADMIN) } })],
    ];
    for (const [what, answer] of answers) expectDatabaseUnavailable(answer, what);
  });

  it('a burst of requests during the outage gets no 500', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        send(berth.url, 'GET', i % 2 === 0 ? '/v2/local/app/manifests/v1' : `/v2/local/app/blobs/${hostedImage.config.digest}`, { headers: manifestHeaders() }).then((a) => a.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([503]));
  });

  it('serves proxied manifests remembered in memory, by tag and by digest', async () => {
    for (const reference of ['v1', upstreamImage.manifest.digest]) {
      const answer = await send(berth.url, 'GET', `/v2/hub/library/app/manifests/${reference}`, { headers: manifestHeaders() });
      expect([reference, answer.status]).toEqual([reference, 200]);
      expect(answer.headers.get('docker-content-digest')).toBe(upstreamImage.manifest.digest);
      expect(answer.body.equals(upstreamImage.manifest.bytes)).toBe(true);
    }
  });

  it('serves stored proxy blobs (GET and HEAD) with a bearer token checked without the database', async () => {
    for (const layer of upstreamImage.layers) {
      const answer = await send(berth.url, 'GET', `/v2/hub/library/app/blobs/${layer.digest}`, { headers: auth() });
      expect(answer.status).toBe(200);
      expect(`sha256:${createHash('sha256').update(answer.body).digest('hex')}`).toBe(layer.digest);
      expect((await send(berth.url, 'HEAD', `/v2/hub/library/app/blobs/${layer.digest}`, { headers: auth() })).status).toBe(200);
    }
  });

  it('still refuses a forged or missing token (the check does not fall open)', async () => {
    const layer = upstreamImage.layers[0]!;
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await send(berth.url, 'GET', `/v2/hub/library/app/blobs/${layer.digest}`, { headers: { Authorization: `Bearer ${forged}` } })).status).toBe(401);
    // Whether an anonymous caller may pull is the project's setting (database, cached a few seconds):
    // refused either way, 401 while the cached answer lasts, else 503 because it cannot be asked.
    expect([401, 503]).toContain((await send(berth.url, 'GET', `/v2/hub/library/app/blobs/${layer.digest}`)).status);
  });
});

describe('PostgreSQL back', () => {
  beforeAll(async () => {
    await pg.resume();
  }, 60_000);

  it('is ready again and serves what needs the database, without a restart', async () => {
    const deadline = Date.now() + 30_000;
    let last = await readyz();
    while (last.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await readyz();
    }
    expect(last.status).toBe(200);
    const manifest = await send(berth.url, 'GET', '/v2/local/app/manifests/v1', { headers: manifestHeaders() });
    expect(manifest.status).toBe(200);
    expect(manifest.body.equals(hostedImage.manifest.bytes)).toBe(true);
    const blob = await send(berth.url, 'GET', `/v2/local/app/blobs/${hostedImage.config.digest}`, { headers: auth() });
    expect(blob.status).toBe(200);
  });
});
