import { parseDescriptor, type Descriptor } from '@berth/oci';
import type { UpstreamReferrers } from '@berth/upstream';
import type { ReferrersCache } from '../referrers-cache/types.js';
import type { BackgroundWork } from '../lifecycle/background-work.js';
import { BoundedLru } from './bounded-lru.js';
import type { CacheOutcome } from './cache-status.js';
import { nameIfSeveral, namedInMessages, type ProxyContext, type ProxyUpstream } from './proxy-context.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { SingleFlight } from './single-flight.js';
import { unavailableReason } from './upstream-errors.js';

/** A fresh cached list is used with no upstream contact for this long (default 5 minutes). */
export const DEFAULT_REFERRERS_FRESH_MS = 5 * 60 * 1000;

export interface UpstreamReferrersList {
  descriptors: Descriptor[];
  outcome: CacheOutcome;
  /** When the list is the cached one (or was cached just now): its storedAt. */
  storedAt?: number;
}

export interface ProxyReferrersLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * The upstream half of a proxy project's referrers answer: the upstream's unfiltered list (its
 * referrers API, else its tag schema), cached under (project, upstream repository, subject).
 *
 * Fresh (younger than `freshMs`): answered from the cache. Older but not expired (the cache's stale
 * TTL): answered from the cache at once while one background refresh runs. Missing: fetched, with
 * concurrent requests for the same key sharing one fetch. When the upstream cannot answer and
 * nothing is cached, the upstream half is empty: local referrers are still answered, and
 * Cache-Status says why the upstream's are missing.
 */
export class ProxyReferrers {
  /** One upstream read per key at a time: a miss, a background refresh, and whoever joins them. */
  private readonly fetches = new SingleFlight<UpstreamReferrersList>();
  /** Cached lists already parsed, by key, valid for the storedAt they were parsed from. */
  private readonly parsed = new BoundedLru<{ storedAt: number; descriptors: Descriptor[]; bytes: number }>(16 * 1024 * 1024, (entry) => entry.bytes);

  constructor(
    private readonly cache: ReferrersCache,
    private readonly options: {
      freshMs: number;
      logger?: ProxyReferrersLogger;
      metrics?: Pick<ProxyMetrics, 'referrersList'>;
      /** Runs stale refreshes as jobs (one per list across every process); in this process when absent. */
      background?: BackgroundWork;
    },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The upstreams' lists merged: each upstream's own list (cached, bounded and refreshed on its own),
   * in the project's upstream order, each digest once (the first upstream's entry wins).
   */
  async upstreamList(ctx: ProxyContext, subject: string): Promise<UpstreamReferrersList> {
    const lists = await Promise.all(ctx.upstreams.map((upstream) => this.cachedOrFetched(ctx, upstream, subject)));
    for (const list of lists) this.options.metrics?.referrersList(ctx.project.name, list.outcome.kind);
    return lists.length === 1 ? lists[0]! : merged(lists);
  }

  private async cachedOrFetched(ctx: ProxyContext, upstream: ProxyUpstream, subject: string): Promise<UpstreamReferrersList> {
    const key = cacheKey(ctx, upstream, subject);
    const cached = await this.cachedList(key);
    if (cached !== undefined) {
      const age = this.now() - cached.storedAt;
      const { descriptors, storedAt } = cached;
      if (age < this.options.freshMs) {
        return { descriptors, storedAt, outcome: { kind: 'hit', ttlSeconds: (this.options.freshMs - age) / 1000 } };
      }
      this.refreshInBackground(ctx, upstream, subject, key);
      return { descriptors, storedAt, outcome: { kind: 'stale', reason: 'refreshing in the background' } };
    }
    const { value, joined } = await this.fetches.run(key, () => this.fetchAndStore(ctx, upstream, subject, key));
    return joined && value.outcome.kind === 'miss' ? { ...value, outcome: { kind: 'coalesced' } } : value;
  }

  /**
   * Drop cached lists of a project, or of one repository of it on each of its upstreams (purge,
   * settings change).
   */
  async forget(projectId: number, upstreams?: ReadonlyArray<{ name: string; repository: string }>): Promise<void> {
    if (upstreams === undefined) {
      await this.cache.deletePrefix(`p${projectId}:`);
      return;
    }
    // Both key forms: the project may have had one upstream or several when the lists were cached.
    for (const upstream of upstreams) {
      await this.cache.deletePrefix(cacheKeyPrefix(projectId, upstream, false));
      await this.cache.deletePrefix(cacheKeyPrefix(projectId, upstream, true));
    }
  }

  /** A refresh nobody waits for; a refresh of the key already running is joined, not repeated. */
  private refreshInBackground(ctx: ProxyContext, upstream: ProxyUpstream, subject: string, key: string): void {
    if (this.options.background !== undefined) this.options.background.refreshReferrers({ repository: ctx.name, subject });
    else void this.fetches.run(key, () => this.fetchAndStore(ctx, upstream, subject, key));
  }

  /**
   * Read each upstream's list again and cache it (the refresh job). Throws when an upstream could
   * not answer, so that the job is tried again; its stale list stays cached meanwhile.
   */
  async refresh(ctx: ProxyContext, subject: string): Promise<void> {
    for (const upstream of ctx.upstreams) {
      const key = cacheKey(ctx, upstream, subject);
      const { value } = await this.fetches.run(key, () => this.fetchAndStore(ctx, upstream, subject, key));
      if (value.outcome.kind === 'incomplete') throw new Error(`referrers of ${ctx.name}@${subject} not refreshed: ${value.outcome.reason}`);
    }
  }

  /** One upstream read; stored when the cache takes it. Never throws: failures leave the list empty. */
  private async fetchAndStore(ctx: ProxyContext, upstream: ProxyUpstream, subject: string, key: string): Promise<UpstreamReferrersList> {
    let list: UpstreamReferrers;
    try {
      list = await upstream.client.listReferrers(upstream.repository, subject);
    } catch (error) {
      const reason = unavailableReason(error, nameIfSeveral(ctx, upstream.name)) ?? `upstream${namedInMessages(ctx, upstream.name)} refused: ${error instanceof Error ? error.message : String(error)}`;
      this.options.logger?.warn({ project: ctx.project.name, upstream: upstream.name, repository: upstream.repository, subject, reason }, 'upstream referrers not available');
      return { descriptors: [], outcome: { kind: 'incomplete', reason: `${reason}; local referrers only` } };
    }
    const storedAt = this.now();
    const stored = await this.cache.set(key, JSON.stringify({ descriptors: list.descriptors, source: list.source, truncated: list.truncated }), storedAt).catch((error: unknown) => {
      this.options.logger?.warn({ key, error: String(error) }, 'referrers cache write failed');
      return false;
    });
    return { descriptors: list.descriptors, outcome: { kind: 'miss', stored }, ...(stored ? { storedAt } : {}) };
  }

  /** The cached list, or undefined when absent, unreadable or the cache is down (then: fetch). */
  private async cachedList(key: string): Promise<{ descriptors: Descriptor[]; storedAt: number } | undefined> {
    const known = this.parsed.get(key);
    let entry;
    try {
      entry = await this.cache.get(key, known?.storedAt);
    } catch (error) {
      this.options.logger?.warn({ key, error: String(error) }, 'referrers cache read failed');
      return undefined;
    }
    if (entry === null) return undefined;
    if ('unchanged' in entry) return known; // the list parsed earlier is still the cached one
    try {
      const value = JSON.parse(entry.value) as { descriptors?: unknown };
      if (!Array.isArray(value.descriptors)) return undefined;
      const list = { descriptors: value.descriptors.map((d, i) => parseDescriptor(d, `descriptors[${i}]`)), storedAt: entry.storedAt, bytes: entry.value.length };
      this.parsed.set(key, list);
      return list;
    } catch {
      return undefined; // written by another version, or damaged: fetch again
    }
  }
}

/**
 * `p<project>:<repository>@` with one upstream (as before virtual-registry projects);
 * `p<project>:<upstream>|<repository>@` with several (`|` is in no repository name).
 */
function cacheKeyPrefix(projectId: number, upstream: Pick<ProxyUpstream, 'name' | 'repository'>, several: boolean): string {
  return several ? `p${projectId}:${upstream.name}|${upstream.repository}@` : `p${projectId}:${upstream.repository}@`;
}

function cacheKey(ctx: ProxyContext, upstream: ProxyUpstream, subject: string): string {
  return `${cacheKeyPrefix(ctx.project.id, upstream, ctx.upstreams.length > 1)}${subject}`;
}

/** How much an outcome says is missing or old: the merged answer reports the worst of its lists'. */
const OUTCOME_WEIGHT: Record<CacheOutcome['kind'], number> = { hit: 0, revalidated: 1, coalesced: 2, miss: 3, stale: 4, incomplete: 5 };

/** Several upstreams' lists as one: upstream order, each digest once, the worst outcome, the latest storedAt (absent when one is not cached). */
function merged(lists: UpstreamReferrersList[]): UpstreamReferrersList {
  const seen = new Set<string>();
  const descriptors = lists.flatMap((list) => list.descriptors).filter((descriptor) => !seen.has(descriptor.digest) && seen.add(descriptor.digest));
  const outcome = lists.map((list) => list.outcome).reduce((worst, next) => (OUTCOME_WEIGHT[next.kind] > OUTCOME_WEIGHT[worst.kind] ? next : worst));
  const cached = lists.every((list) => list.storedAt !== undefined);
  return { descriptors, outcome, ...(cached ? { storedAt: Math.max(...lists.map((list) => list.storedAt!)) } : {}) };
}
