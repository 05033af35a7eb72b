import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { send } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startPostgres, type TestPostgres } from '../harness/postgres.js';
import { startService, type ServiceProcess } from '../harness/process.js';
import { freePort } from '../harness/ports.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { startTestWorker, type WorkerUnderTest } from '../harness/worker.js';

// /healthz and /readyz of the registry (embedded, and Postgres with Redis) and of the worker:
// every dependency listed, a stopped Redis named, and 503 "shutting down" once close() began.

interface Report {
  status: string;
  checks: Record<string, { status: string; durationMs?: number; error?: string; reason?: string }>;
}

async function readyz(base: string): Promise<{ status: number; report: Report; cacheControl: string | null }> {
  const answer = await send(base, 'GET', '/readyz');
  return { status: answer.status, report: answer.json<Report>(), cacheControl: answer.headers.get('cache-control') };
}

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('embedded', () => {
  let berth: BerthUnderTest;
  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('/healthz answers ok without asking anything', async () => {
    const answer = await send(berth.url, 'GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ status: 'ok' });
  });

  it('/readyz lists every check: database, migrations and storage ok, Redis not configured', async () => {
    const { status, report, cacheControl } = await readyz(berth.url);
    expect(status).toBe(200);
    expect(cacheControl).toBe('no-store');
    expect(report).toEqual({
      status: 'ready',
      checks: {
        database: { status: 'ok', durationMs: expect.any(Number) },
        migrations: { status: 'ok', durationMs: expect.any(Number) },
        storage: { status: 'ok', durationMs: expect.any(Number) },
        redis: { status: 'skipped', reason: 'not configured' },
      },
    });
  });
});

describe('Postgres and Redis', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let restarted: ServiceProcess | undefined;
  let berth: BerthUnderTest;
  let worker: WorkerUnderTest;
  let blobRoot: string;

  beforeAll(async () => {
    pg = await startPostgres();
    redis = await startRedis();
    blobRoot = await mkdtemp(join(tmpdir(), 'berth-ops-blobs-'));
    const shared = { database: { url: pg.url }, storage: { driver: 'fs', fs: { root: blobRoot } }, redis: { url: redis.url } };
    berth = await startBerth({ config: shared });
    worker = await startTestWorker(shared);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await berth?.stop();
    await restarted?.stop();
    await redis?.stop();
    await pg?.stop();
    if (blobRoot !== undefined) await rm(blobRoot, { recursive: true, force: true });
  });

  it('/readyz of the registry and of the worker: every check ok', async () => {
    for (const base of [berth.url, worker.url]) {
      const { status, report } = await readyz(base);
      expect([base, status]).toEqual([base, 200]);
      expect(report.status).toBe('ready');
      expect(Object.keys(report.checks).sort()).toEqual(['database', 'migrations', 'redis', 'storage']);
      for (const check of Object.values(report.checks)) expect(check).toEqual({ status: 'ok', durationMs: expect.any(Number) });
    }
    expect((await send(worker.url, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('answers 503 naming redis while the Redis server is stopped, and ready again once it is back', async () => {
    await redis.stop();
    const down = await waitFor(() => readyz(berth.url), (r) => r.status === 503, '/readyz to report Redis down');
    expect(down.report.status).toBe('not ready');
    expect(down.report.checks.redis).toEqual({ status: 'error', durationMs: expect.any(Number), error: expect.any(String) });
    expect(down.report.checks.database?.status).toBe('ok');
    expect(down.report.checks.storage?.status).toBe('ok');
    // Same port again: the clients reconnect on their own.
    restarted = await startService('/usr/bin/redis-server', ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      port: redis.port,
      cwd: tmpdir(),
    });
    const up = await waitFor(() => readyz(berth.url), (r) => r.status === 200, '/readyz to recover');
    expect(up.report.checks.redis?.status).toBe('ok');
  });
});

describe('shutting down', () => {
  it('/readyz answers 503 "shutting down" once close() began, while requests still drain', async () => {
    const berth = await startBerth();
    let stopping: Promise<void> | undefined;
    try {
      // A request in flight when close() begins: its head is only completed afterwards.
      const socket = connect({ host: '127.0.0.1', port: berth.port });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await new Promise((resolve) => setTimeout(resolve, 100));
      stopping = berth.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.end('Connection: close\r\n\r\n');
      await ended;
      const response = Buffer.concat(received).toString('utf8');
      expect(response).toMatch(/^HTTP\/1\.1 503 /);
      expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).toEqual({ status: 'shutting down' });
    } finally {
      await (stopping ?? berth.stop());
    }
  });

  it('with server.shutdownDelaySeconds, keeps serving new connections, /readyz 503, before it stops listening', async () => {
    const port = await freePort();
    // The delay only has to outlast two loopback requests; 10 s leaves room for a busy machine.
    const berth = await startBerth({ config: { server: { host: '127.0.0.1', port, shutdownDelaySeconds: 10 } } });
    const stopping = berth.stop(); // draining from here on (close() sets it before its first await)
    try {
      // Fresh connections during the delay: the load balancer's probe sees 503, traffic is still served.
      const probe = await readyz(berth.url);
      expect(probe.status).toBe(503);
      expect(probe.report).toEqual({ status: 'shutting down' });
      expect((await send(berth.url, 'GET', '/v2/')).status).toBe(200);
    } finally {
      await stopping;
    }
    await expect(send(berth.url, 'GET', '/v2/')).rejects.toThrow();
  });
});
