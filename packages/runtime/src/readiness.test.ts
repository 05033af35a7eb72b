import { describe, it, expect, jest } from '@jest/globals';
import { createReadiness, describeError, readinessChecks, withoutCredentials, type ReadinessDeps } from './readiness.js';

function deps(overrides: Partial<{ ping: () => Promise<void>; pending: number; storePing: () => Promise<void>; redis: ReadinessDeps['redis'] }> = {}): ReadinessDeps {
  return {
    metadata: { ping: overrides.ping ?? (async () => undefined), pendingMigrations: async () => overrides.pending ?? 0 },
    store: { ping: overrides.storePing ?? (async () => undefined) },
    redis: overrides.redis,
  };
}

const readyRedis = { status: 'ready', ping: async () => 'PONG' } as unknown as ReadinessDeps['redis'];

describe('readiness', () => {
  it('is ready when every configured check passes and reports Redis as skipped when not configured', async () => {
    const report = await createReadiness(readinessChecks(deps())).check();
    expect(report.status).toBe('ready');
    expect(Object.keys(report.checks)).toEqual(['database', 'migrations', 'storage', 'redis']);
    expect(report.checks.database).toEqual({ status: 'ok', durationMs: expect.any(Number) });
    expect(report.checks.redis).toEqual({ status: 'skipped', reason: 'not configured' });
  });

  it('checks a configured Redis with PING', async () => {
    const report = await createReadiness(readinessChecks(deps({ redis: readyRedis }))).check();
    expect(report).toMatchObject({ status: 'ready', checks: { redis: { status: 'ok' } } });
  });

  it('answers at once for a Redis client that is reconnecting', async () => {
    const reconnecting = { status: 'reconnecting', ping: () => new Promise<string>(() => undefined) } as unknown as ReadinessDeps['redis'];
    const report = await createReadiness(readinessChecks(deps({ redis: reconnecting }))).check();
    expect(report.status).toBe('not ready');
    expect(report.checks.redis).toEqual({ status: 'error', durationMs: expect.any(Number), error: 'not connected (reconnecting)' });
  });

  it('names pending migrations and failing dependencies, and leaves the others ok', async () => {
    const report = await createReadiness(
      readinessChecks(deps({ pending: 2, storePing: async () => Promise.reject(Object.assign(new Error('permission denied'), { code: 'EACCES' })) })),
    ).check();
    expect(report.status).toBe('not ready');
    expect(report.checks.migrations).toMatchObject({ status: 'error', error: '2 migrations not applied to the database' });
    expect(report.checks.storage).toMatchObject({ status: 'error', error: 'permission denied (EACCES)' });
    expect(report.checks.database).toMatchObject({ status: 'ok' });
  });

  it('bounds every check by the timeout, running them in parallel', async () => {
    // Fake timers: 150 ms of timer time answers both hanging checks (in series it would take 300),
    // however late the machine runs the timers.
    jest.useFakeTimers();
    let report;
    try {
      const hanging = () => new Promise<void>(() => undefined);
      let done = false;
      const checking = createReadiness(readinessChecks(deps({ ping: hanging, storePing: hanging })), { timeoutMs: 150 }).check().finally(() => {
        done = true;
      });
      await jest.advanceTimersByTimeAsync(149);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      report = await checking;
    } finally {
      jest.useRealTimers();
    }
    expect(report.checks.database).toMatchObject({ status: 'error', error: 'no answer within 150 ms' });
    expect(report.checks.storage).toMatchObject({ status: 'error', error: 'no answer within 150 ms' });
    expect(report.checks.migrations).toMatchObject({ status: 'ok' });
  });
});

describe('error descriptions', () => {
  it('never carry the password of a URL', () => {
    expect(withoutCredentials('connect to postgres://berth:s3cret@db:5432/berth failed')).toBe('connect to postgres://berth:***@db:5432/berth failed');
    expect(withoutCredentials('redis://:hunter2@cache:6379 and rediss://u:p@x')).toBe('redis://:***@cache:6379 and rediss://u:***@x');
    expect(withoutCredentials('http://host:5000/path stays')).toBe('http://host:5000/path stays');
    expect(describeError(new TypeError('bad postgres://a:b@c'))).toBe('TypeError: bad postgres://a:***@c');
    expect(describeError('plain')).toBe('plain');
  });
});
