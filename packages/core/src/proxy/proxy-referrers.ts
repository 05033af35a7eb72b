import { parseDescriptor, type Descriptor } from '@berth/oci';
import type { UpstreamReferrers } from '@berth/upstream';
import type { ReferrersCache } from '../referrers-cache/types.js';
import type { BackgroundWork } from '../lifecycle/background-work.js';
import { BoundedLru } from './bounded-lru.js';
import type { CacheOutcome } from './cache-status.js';
import type { ProxyContext } from './proxy-context.js';
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

  async upstreamList(ctx: ProxyContext, subject: string): Promise<UpstreamReferrersList> {
    const list = await this.cachedOrFetched(ctx, subject);
    this.options.metrics?.referrersList(ctx.project.name, list.outcome.kind);
    return list;
  }

  private async cachedOrFetched(ctx: ProxyContext, subject: string): Promise<UpstreamReferrersList> {
    const key = cacheKey(ctx.project.id, ctx.upstreamName, subject);
    const cached = await this.cachedList(key);
    if (cached !== undefined) {
      const age = this.now() - cached.storedAt;
      const { descriptors, storedAt } = cached;
      if (age < this.options.freshMs) {
        return { descriptors, storedAt, outcome: { kind: 'hit', ttlSeconds: (this.options.freshMs - age) / 1000 } };
      }
      this.refreshInBackground(ctx, subject, key);
      return { descriptors, storedAt, outcome: { kind: 'stale', reason: 'refreshing in the background' } };
    }
    const { value, joined } = await this.fetches.run(key, () => this.fetchAndStore(ctx, subject, key));
    return joined && value.outcome.kind === 'miss' ? { ...value, outcome: { kind: 'coalesced' } } : value;
  }

  /** Drop cached lists of a project, or of one upstream repository of it (purge, settings change). */
  async forget(projectId: number, upstreamRepository?: string): Promise<void> {
    const prefix = upstreamRepository === undefined ? `p${projectId}:` : cacheKeyPrefix(projectId, upstreamRepository);
    await this.cache.deletePrefix(prefix);
  }

  /** A refresh nobody waits for; a refresh of the key already running is joined, not repeated. */
  private refreshInBackground(ctx: ProxyContext, subject: string, key: string): void {
    if (this.options.background !== undefined) this.options.background.refreshReferrers({ repository: ctx.name, subject });
    else void this.fetches.run(key, () => this.fetchAndStore(ctx, subject, key));
  }

  /**
   * Read the upstream list again and cache it (the refresh job). Throws when the upstream could not
   * answer, so that the job is tried again; the stale list stays cached meanwhile.
   */
  async refresh(ctx: ProxyContext, subject: string): Promise<void> {
    const key = cacheKey(ctx.project.id, ctx.upstreamName, subject);
    const { value } = await this.fetches.run(key, () => this.fetchAndStore(ctx, subject, key));
    if (value.outcome.kind === 'incomplete') throw new Error(`referrers of ${ctx.name}@${subject} not refreshed: ${value.outcome.reason}`);
  }

  /** One upstream read; stored when the cache takes it. Never throws: failures leave the list empty. */
  private async fetchAndStore(ctx: ProxyContext, subject: string, key: string): Promise<UpstreamReferrersList> {
    let list: UpstreamReferrers;
    try {
      list = await ctx.upstream.listReferrers(ctx.upstreamName, subject);
    } catch (error) {
      const reason = unavailableReason(error) ?? `upstream refused: ${error instanceof Error ? error.message : String(error)}`;
      this.options.logger?.warn({ project: ctx.project.name, repository: ctx.upstreamName, subject, reason }, 'upstream referrers not available');
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

function cacheKeyPrefix(projectId: number, upstreamRepository: string): string {
  return `p${projectId}:${upstreamRepository}@`;
}

function cacheKey(projectId: number, upstreamRepository: string, subject: string): string {
  return `${cacheKeyPrefix(projectId, upstreamRepository)}${subject}`;
}
