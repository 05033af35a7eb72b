import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { pushImage } from '../upstream/push.js';
import { NOTATION_SIGNATURE, pushArtifact, readReferrers } from './referrers-fixtures.js';

// Referrers of a proxy project whose upstream has the referrers API (a second Berth, answering in
// pages), and what is served when that upstream fails: the cached list past its fresh TTL, or
// local referrers alone.

let upstream: BerthUnderTest;
let relay: FaultRelay;
let berth: BerthUnderTest;

beforeAll(async () => {
  upstream = await startBerth({ config: { projects: [{ name: 'pub', kind: 'hosted' }], limits: { referrersPageMaxDescriptors: 2 } } });
  relay = await startFaultRelay(upstream.url);
  berth = await startBerth({
    config: {
      projects: [{
        name: 'mirror', kind: 'proxy', referrersProxy: true, nameMapping: { prefix: 'pub/' },
        upstream: { url: relay.url, timeouts: { headersSeconds: 1 } },
      }],
      referrersCache: { freshTtlSeconds: 1 },
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await relay?.stop();
  await upstream?.stop();
});

const REFERRERS_API = /\/referrers\//;
const TAG_SCHEMA = /\/manifests\/sha256-/;

describe('an upstream with the referrers API', () => {
  it('follows every page of the upstream answer and never reads its tag schema', async () => {
    const image = (await pushImage(upstream.url, 'pub/app', 'v1', [64])).manifest;
    const published: string[] = [];
    for (let i = 0; i < 5; i++) published.push((await pushArtifact(upstream.url, 'pub/app', image, `application/vnd.example.kind${i}`)).digest);
    const mine = (await pushArtifact(berth.url, 'mirror/app', image, NOTATION_SIGNATURE)).digest;

    const apiBefore = relay.count('GET', REFERRERS_API);
    const answer = await readReferrers(berth.url, `/v2/mirror/app/referrers/${image.digest}`);
    expect(answer.digests[0]).toBe(mine);
    expect(answer.digests.slice(1).sort()).toEqual([...published].sort());
    expect(relay.count('GET', REFERRERS_API) - apiBefore).toBe(3); // the upstream's pages of 2
    expect(relay.count('GET', TAG_SCHEMA) + relay.count('HEAD', TAG_SCHEMA)).toBe(0);
  });

  it('serves the cached list past its fresh TTL while the upstream fails, then local referrers alone for an uncached subject', async () => {
    const image = (await pushImage(upstream.url, 'pub/down', 'v1', [64])).manifest;
    const theirs = (await pushArtifact(upstream.url, 'pub/down', image, 'application/vnd.example.sbom')).digest;
    const path = `/v2/mirror/down/referrers/${image.digest}`;
    expect((await readReferrers(berth.url, path)).digests).toEqual([theirs]);

    const stopFailing = relay.fault({ path: REFERRERS_API, status: 503 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the fresh TTL
      const stale = await readReferrers(berth.url, path);
      expect(stale.digests).toEqual([theirs]);
      expect(stale.headers[0]?.get('cache-status')).toBe('Berth; hit; detail="stale: refreshing in the background"');

      const other = (await pushImage(upstream.url, 'pub/down', 'v2', [64])).manifest;
      const mine = (await pushArtifact(berth.url, 'mirror/down', other, NOTATION_SIGNATURE)).digest;
      const partial = await readReferrers(berth.url, `/v2/mirror/down/referrers/${other.digest}`);
      expect(partial.digests).toEqual([mine]);
      expect(partial.headers[0]?.get('cache-status')).toMatch(/^Berth; fwd=miss; detail="incomplete: upstream .*; local referrers only"$/);
    } finally {
      stopFailing();
    }
  });

  it('keeps serving the cached list while the upstream times out, and local referrers alone for an uncached subject', async () => {
    const image = (await pushImage(upstream.url, 'pub/slow', 'v1', [64])).manifest;
    const theirs = (await pushArtifact(upstream.url, 'pub/slow', image, 'application/vnd.example.sbom')).digest;
    const path = `/v2/mirror/slow/referrers/${image.digest}`;
    expect((await readReferrers(berth.url, path)).digests).toEqual([theirs]);
    // Held far past the 1 s headers timeout (and past anything a slow machine adds): the refresh can only time out.
    const stopHanging = relay.fault({ path: REFERRERS_API, delayMs: 600_000 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the fresh TTL
      expect((await readReferrers(berth.url, path)).digests).toEqual([theirs]); // at once; the refresh runs behind
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the refresh has timed out
      const stale = await readReferrers(berth.url, path);
      expect(stale.digests).toEqual([theirs]);
      expect(stale.headers[0]?.get('cache-status')).toBe('Berth; hit; detail="stale: refreshing in the background"');

      const other = (await pushImage(upstream.url, 'pub/slow', 'v2', [64])).manifest;
      const uncached = await readReferrers(berth.url, `/v2/mirror/slow/referrers/${other.digest}`);
      expect(uncached.digests).toEqual([]);
      expect(uncached.headers[0]?.get('cache-status')).toBe('Berth; fwd=miss; detail="incomplete: upstream timeout; local referrers only"');
    } finally {
      stopHanging();
    }
  });

  it('asks nothing of an upstream whose breaker is open: local referrers at once', async () => {
    const image = (await pushImage(upstream.url, 'pub/breaker', 'v1', [64])).manifest;
    const stopFailing = relay.fault({ path: REFERRERS_API, status: 503 });
    const stopHanging = relay.fault({ path: REFERRERS_API, delayMs: 60_000 });
    try {
      // Five consecutive unavailable answers open the project's breaker (the earlier test may have begun).
      for (let i = 0; i < 5; i++) await readReferrers(berth.url, `/v2/mirror/breaker/referrers/sha256:${String(i).repeat(64)}`);
      stopFailing(); // from now on the upstream would hang for a minute
      const before = relay.count('GET', REFERRERS_API);
      const answer = await readReferrers(berth.url, `/v2/mirror/breaker/referrers/${image.digest}`);
      expect(answer.digests).toEqual([]);
      expect(answer.headers[0]?.get('cache-status')).toBe('Berth; fwd=miss; detail="incomplete: upstream offline; local referrers only"');
      expect(relay.count('GET', REFERRERS_API)).toBe(before);
    } finally {
      stopFailing();
      stopHanging();
    }
  });
});
