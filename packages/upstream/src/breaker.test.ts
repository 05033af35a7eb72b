import { describe, expect, it } from '@jest/globals';
import { OciError } from '@berth/oci';
import { CircuitBreaker } from './breaker.js';
import { UpstreamError, UpstreamUnavailableError } from './errors.js';
import { memoryLogger } from './testing/http-server.js';

function setup(failures = 3, openMs = 1000) {
  let now = 0;
  const logger = memoryLogger();
  const changes: string[] = [];
  const breaker = new CircuitBreaker({ upstream: 'up', failures, openMs, logger, hooks: { onBreakerChange: (s) => changes.push(s) }, now: () => now });
  let calls = 0;
  const down = () => breaker.run(async () => { calls += 1; throw new UpstreamUnavailableError('up', 'status-503', '503'); });
  const up = () => breaker.run(async () => { calls += 1; return 'ok'; });
  return { breaker, logger, changes, down, up, calls: () => calls, advance: (ms: number) => { now += ms; } };
}

describe('CircuitBreaker', () => {
  it('opens after consecutive failures and then fails fast without calling', async () => {
    const t = setup();
    for (let i = 0; i < 3; i += 1) await expect(t.down()).rejects.toMatchObject({ reason: 'status-503' });
    expect(t.breaker.state()).toBe('offline');
    await expect(t.up()).rejects.toMatchObject({ reason: 'offline' });
    expect(t.calls()).toBe(3);
    expect(t.changes).toEqual(['offline']);
    expect(t.logger.lines.map((l) => l.message)).toEqual(['upstream offline']);
  });

  it('lets one trial through after openMs; success brings it back online', async () => {
    const t = setup();
    for (let i = 0; i < 3; i += 1) await expect(t.down()).rejects.toThrow();
    t.advance(1000);
    let release: () => void = () => undefined;
    const trial = t.breaker.run(() => new Promise<string>((resolve) => { release = () => resolve('trial'); }));
    await expect(t.up()).rejects.toMatchObject({ reason: 'offline' }); // a second call while the trial runs
    release();
    expect(await trial).toBe('trial');
    expect(t.breaker.state()).toBe('online');
    expect(await t.up()).toBe('ok');
    expect(t.changes).toEqual(['offline', 'online']);
    expect(t.logger.lines.map((l) => `${l.level} ${l.message}`)).toEqual(['warn upstream offline', 'info upstream back online']);
  });

  it('a failed trial keeps it offline for another openMs, without logging again', async () => {
    const t = setup();
    for (let i = 0; i < 3; i += 1) await expect(t.down()).rejects.toThrow();
    t.advance(1000);
    await expect(t.down()).rejects.toMatchObject({ reason: 'status-503' });
    expect(t.breaker.state()).toBe('offline');
    t.advance(999);
    await expect(t.up()).rejects.toMatchObject({ reason: 'offline' });
    t.advance(1);
    expect(await t.up()).toBe('ok');
    expect(t.changes).toEqual(['offline', 'online']);
  });

  it('answers that are not unavailability (404 null, 401, 403) reset the count', async () => {
    const t = setup();
    await expect(t.down()).rejects.toThrow();
    await expect(t.down()).rejects.toThrow();
    await expect(t.breaker.run(async () => { throw new UpstreamError('up', 401, new OciError('UNAUTHORIZED')); })).rejects.toThrow();
    expect(await t.breaker.run(async () => null)).toBeNull();
    await expect(t.down()).rejects.toThrow();
    await expect(t.down()).rejects.toThrow();
    expect(t.breaker.state()).toBe('online');
    await expect(t.down()).rejects.toThrow();
    expect(t.breaker.state()).toBe('offline');
  });

  it('an aborted call counts neither way', async () => {
    const t = setup(1);
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    await expect(t.breaker.run(async () => { throw abort; })).rejects.toBe(abort);
    expect(t.breaker.state()).toBe('online');
  });
});
