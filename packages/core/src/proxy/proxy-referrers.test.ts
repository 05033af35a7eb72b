import { describe, it, expect, jest } from '@jest/globals';
import type { ProjectRow } from '@berth/db';
import { UpstreamUnavailableError, type UpstreamClient, type UpstreamReferrers } from '@berth/upstream';
import { InMemoryReferrersCache } from '../referrers-cache/index.js';
import type { ProxyContext } from './proxy-context.js';
import { ProxyReferrers } from './proxy-referrers.js';
import { DEFAULT_PROXY_SETTINGS } from './proxy-settings.js';

const SUBJECT = `sha256:${'a'.repeat(64)}`;
const descriptor = (n: number) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, size: n, artifactType: 'application/example' });

function setUp(listReferrers: (repository: string, subject: string) => Promise<UpstreamReferrers>, limits: { maxEntryBytes?: number; maxTotalBytes?: number } = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const cache = new InMemoryReferrersCache(limits, clock);
  const upstream = { listReferrers: jest.fn(listReferrers) };
  const ctx = {
    project: { id: 7, name: 'hub' } as ProjectRow,
    settings: { ...DEFAULT_PROXY_SETTINGS, referrersProxy: true, upstream: { url: 'http://upstream.test' }, upstreams: [{ url: 'http://upstream.test' }] },
    name: 'hub/app',
    upstreams: [{ name: 'upstream.test', repository: 'library/app', client: upstream as unknown as UpstreamClient }],
  } satisfies ProxyContext;
  const referrers = new ProxyReferrers(cache, { freshMs: 60_000 }, clock);
  return { referrers, ctx, upstream, cache, advance: (ms: number) => { now += ms; } };
}

const list = (...ns: number[]): UpstreamReferrers => ({ descriptors: ns.map(descriptor), source: 'api', truncated: false });

describe('ProxyReferrers', () => {
  it('fetches once, answers from the cache while fresh, and shares one fetch among concurrent callers', async () => {
    const { referrers, ctx, upstream } = setUp(async () => list(1, 2));
    const [a, b] = await Promise.all([referrers.upstreamList(ctx, SUBJECT), referrers.upstreamList(ctx, SUBJECT)]);
    expect(a.outcome).toEqual({ kind: 'miss', stored: true });
    expect(b.outcome).toEqual({ kind: 'coalesced' });
    expect(b.descriptors).toEqual(list(1, 2).descriptors);
    const cached = await referrers.upstreamList(ctx, SUBJECT);
    expect(cached.outcome.kind).toBe('hit');
    expect(cached.descriptors).toEqual(list(1, 2).descriptors);
    expect(upstream.listReferrers).toHaveBeenCalledTimes(1);
    expect(upstream.listReferrers).toHaveBeenCalledWith('library/app', SUBJECT);
  });

  it('answers a stale list at once and refreshes it once in the background, however many readers', async () => {
    let version = 1;
    const { referrers, ctx, upstream, advance } = setUp(async () => list(version));
    await referrers.upstreamList(ctx, SUBJECT);
    advance(61_000);
    version = 2;
    const stale = await Promise.all(Array.from({ length: 5 }, () => referrers.upstreamList(ctx, SUBJECT)));
    for (const answer of stale) {
      expect(answer.descriptors).toEqual(list(1).descriptors);
      expect(answer.outcome).toEqual({ kind: 'stale', reason: 'refreshing in the background' });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(upstream.listReferrers).toHaveBeenCalledTimes(2);
    const refreshed = await referrers.upstreamList(ctx, SUBJECT);
    expect(refreshed.descriptors).toEqual(list(2).descriptors);
    expect(refreshed.outcome.kind).toBe('hit');
  });

  it('keeps the stale list when the refresh fails, and answers an empty, incomplete list when nothing is cached', async () => {
    let failing = false;
    const { referrers, ctx, advance } = setUp(async () => {
      if (failing) throw new UpstreamUnavailableError('hub', 'connection', 'ECONNREFUSED');
      return list(3);
    });
    await referrers.upstreamList(ctx, SUBJECT);
    failing = true;
    advance(61_000);
    await referrers.upstreamList(ctx, SUBJECT);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await referrers.upstreamList(ctx, SUBJECT)).descriptors).toEqual(list(3).descriptors);

    const other = await referrers.upstreamList(ctx, `sha256:${'b'.repeat(64)}`);
    expect(other.descriptors).toEqual([]);
    expect(other.outcome).toEqual({ kind: 'incomplete', reason: 'upstream connection; local referrers only' });
  });

  it('serves a list over the per-list cap without caching it', async () => {
    const { referrers, ctx, upstream, cache } = setUp(async () => list(1, 2, 3), { maxEntryBytes: 200, maxTotalBytes: 1000 });
    const first = await referrers.upstreamList(ctx, SUBJECT);
    expect(first.descriptors).toHaveLength(3);
    expect(first.outcome).toEqual({ kind: 'miss', stored: false });
    expect(await cache.usage()).toEqual({ entries: 0, bytes: 0 });
    await referrers.upstreamList(ctx, SUBJECT);
    expect(upstream.listReferrers).toHaveBeenCalledTimes(2);
  });

  it('forgets a repository or the whole project', async () => {
    const { referrers, ctx, upstream, cache } = setUp(async () => list(4));
    await referrers.upstreamList(ctx, SUBJECT);
    await referrers.forget(7, [{ name: 'upstream.test', repository: 'library/other' }]);
    expect((await cache.usage()).entries).toBe(1);
    await referrers.forget(7, [{ name: 'upstream.test', repository: 'library/app' }]);
    expect((await cache.usage()).entries).toBe(0);
    await referrers.upstreamList(ctx, SUBJECT);
    await referrers.forget(7);
    expect((await cache.usage()).entries).toBe(0);
    expect(upstream.listReferrers).toHaveBeenCalledTimes(2);
  });
});

describe('ProxyReferrers with several upstreams', () => {
  type Lister = (repository: string, subject: string) => Promise<UpstreamReferrers>;
  function twoUpstreams(first: Lister, second: Lister) {
    const cache = new InMemoryReferrersCache({}, () => 1_000_000);
    const clients = [{ listReferrers: jest.fn(first) }, { listReferrers: jest.fn(second) }];
    const upstreams = [{ url: 'http://mirror.test', name: 'mirror' }, { url: 'http://hub.test', name: 'hub' }];
    const ctx = {
      project: { id: 9, name: 'virt' } as ProjectRow,
      settings: { ...DEFAULT_PROXY_SETTINGS, referrersProxy: true, upstream: upstreams[0]!, upstreams },
      name: 'virt/app',
      upstreams: [
        { name: 'mirror', repository: 'app', client: clients[0] as unknown as UpstreamClient },
        { name: 'hub', repository: 'library/app', client: clients[1] as unknown as UpstreamClient },
      ],
    } satisfies ProxyContext;
    return { referrers: new ProxyReferrers(cache, { freshMs: 60_000 }, () => 1_000_000), ctx, clients, cache };
  }

  it('merges the lists in upstream order, each digest once, each list cached on its own', async () => {
    const { referrers, ctx, clients, cache } = twoUpstreams(async () => list(2, 1), async () => list(1, 3));
    const merged = await referrers.upstreamList(ctx, SUBJECT);
    expect(merged.descriptors.map((d) => d.digest)).toEqual([descriptor(2), descriptor(1), descriptor(3)].map((d) => d.digest));
    expect(merged.outcome).toEqual({ kind: 'miss', stored: true });
    expect(clients[1]!.listReferrers).toHaveBeenCalledWith('library/app', SUBJECT);
    expect((await cache.usage()).entries).toBe(2);
    expect((await referrers.upstreamList(ctx, SUBJECT)).outcome.kind).toBe('hit');
    for (const client of clients) expect(client.listReferrers).toHaveBeenCalledTimes(1);
    await referrers.forget(9, [{ name: 'hub', repository: 'library/app' }]);
    expect((await cache.usage()).entries).toBe(1);
  });

  it('keeps the lists that answered when one upstream cannot, and says the answer is incomplete', async () => {
    const { referrers, ctx } = twoUpstreams(async () => Promise.reject(new UpstreamUnavailableError('virt/mirror', 'connection', 'refused')), async () => list(3));
    const merged = await referrers.upstreamList(ctx, SUBJECT);
    expect(merged.descriptors.map((d) => d.digest)).toEqual([descriptor(3).digest]);
    expect(merged.outcome.kind).toBe('incomplete');
    expect(merged.outcome).toMatchObject({ reason: expect.stringContaining('upstream mirror connection') });
    expect(merged.storedAt).toBeUndefined();
  });
});
