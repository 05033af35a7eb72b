import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProxyMetrics, ReferrersCache, SignatureMetrics } from '@berth/core';
import type { UpstreamHooks } from '@berth/upstream';
import { createJobMetrics, type JobMetrics } from './job-metrics.js';

/** HTTP requests by low-cardinality route name (`v2_manifest`, `token`, ...), method and status. */
export interface HttpMetrics {
  observe(request: { route: string; method: string; status: number }, seconds: number): void;
}

// From a cached manifest (about a millisecond) to a multi-gigabyte layer over a slow link.
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// Anything else is counted as "other", so a client cannot grow the label set.
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface RegistryMetrics {
  registry: Registry;
  http: HttpMetrics;
  proxy: ProxyMetrics;
  /** Signature policy verdicts acted on (manifest GET and HEAD in projects with a policy). */
  signatures: SignatureMetrics;
  /** Hooks for one project's upstream client: every exchange, and breaker transitions (1 = offline). */
  /** Hooks of one upstream client: `upstream` is the upstream's label (the URL host unless named). */
  upstreamHooks(project: string, upstream: string): UpstreamHooks;
  /** Hits and misses of one proxy project since this process started (admin API statistics). */
  cacheCounts(project: string): Promise<{ hits: number; misses: number }>;
  /** Report the referrers cache's size (entries, bytes) at every scrape. */
  observeReferrersCache(cache: Pick<ReferrersCache, 'usage'>): void;
  jobs: JobMetrics;
}

/** Prometheus metrics for one Berth process (served at GET /metrics). */
export function createMetrics(): RegistryMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'berth_' });
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const hits = counter('berth_proxy_cache_hits_total', 'Proxied requests served from the cache', ['project', 'kind']);
  const misses = counter('berth_proxy_cache_misses_total', 'Proxied requests that went to the upstream', ['project', 'kind']);
  const bytes = counter('berth_proxy_served_bytes_total', 'Bytes sent to clients by proxy projects, by origin', ['project', 'source']);
  const upstream = counter('berth_proxy_upstream_requests_total', 'HTTP exchanges with upstream registries and their token services', ['project', 'upstream', 'kind', 'status']);
  const coalesced = counter('berth_proxy_coalesced_total', 'Requests that joined an upstream fetch already in flight', ['project']);
  const fillJoins = counter('berth_proxy_fill_joins_total', 'Readers that joined a blob fill in flight, counted as they join', []);
  const stale = counter('berth_proxy_stale_served_total', 'Cached content served because the upstream was unavailable', ['project']);
  const mismatches = counter('berth_proxy_digest_mismatches_total', 'Upstream blobs discarded because their digest did not match', ['project']);
  const referrersLists = counter('berth_proxy_referrers_lists_total', 'Upstream referrers lists in referrers answers, by where they came from (hit, stale, miss, coalesced, incomplete)', ['project', 'outcome']);
  const verdicts = counter('berth_signature_verdicts_total', 'Manifest requests checked against a signature policy, by mode (audit, enforce) and result (passed, failed, publisher: served unsigned to a caller who may push)', ['project', 'mode', 'result']);
  /** A counter's total for one project, over its other labels. */
  const projectTotal = async (metric: Counter, project: string) =>
    (await metric.get()).values.filter((sample) => sample.labels.project === project).reduce((sum, sample) => sum + sample.value, 0);
  const httpDuration = new Histogram({
    name: 'berth_http_request_duration_seconds',
    help: 'HTTP requests from receipt to the last byte sent (or the connection closing), by route name, method and status (0: closed before an answer)',
    labelNames: ['route', 'method', 'status'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const offline = new Gauge({ name: 'berth_upstream_offline', help: '1 while the circuit breaker holds the upstream offline', labelNames: ['project', 'upstream'], registers: [registry] });
  return {
    registry,
    http: {
      observe: ({ route, method, status }, seconds) =>
        httpDuration.observe({ route, method: HTTP_METHODS.has(method) ? method : 'other', status: String(status) }, seconds),
    },
    signatures: {
      verdict: (project, mode, result) => verdicts.inc({ project, mode, result }),
    },
    proxy: {
      hit(project, kind, sent) {
        hits.inc({ project, kind });
        bytes.inc({ project, source: 'cache' }, sent);
      },
      miss(project, kind, sent) {
        misses.inc({ project, kind });
        bytes.inc({ project, source: 'upstream' }, sent);
      },
      coalesced: (project) => coalesced.inc({ project }),
      stale: (project) => stale.inc({ project }),
      digestMismatch: (project) => mismatches.inc({ project }),
      fillJoined: () => fillJoins.inc(),
      referrersList: (project, outcome) => referrersLists.inc({ project, outcome }),
    },
    upstreamHooks: (project, name) => ({
      onRequest: ({ kind, status }) => upstream.inc({ project, upstream: name, kind, status: String(status) }),
      onBreakerChange: (state) => offline.set({ project, upstream: name }, state === 'offline' ? 1 : 0),
    }),
    jobs: createJobMetrics(registry),
    cacheCounts: async (project) => ({ hits: await projectTotal(hits, project), misses: await projectTotal(misses, project) }),
    observeReferrersCache(cache) {
      const gauge = (name: string, help: string, read: (usage: { entries: number; bytes: number }) => number) =>
        new Gauge({
          name,
          help,
          registers: [registry],
          async collect() {
            // A scrape must not fail because Redis is down; the value is then left as it was.
            const usage = await cache.usage().catch(() => undefined);
            if (usage !== undefined) this.set(read(usage));
          },
        });
      gauge('berth_referrers_cache_bytes', 'Bytes of cached upstream referrers lists, against referrersCache.maxTotalBytes (shared by the replicas on Redis)', (u) => u.bytes);
      gauge('berth_referrers_cache_entries', 'Cached upstream referrers lists', (u) => u.entries);
    },
  };
}
