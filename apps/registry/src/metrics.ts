import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProxyMetrics } from '@berth/core';
import type { UpstreamHooks } from '@berth/upstream';

export interface RegistryMetrics {
  registry: Registry;
  proxy: ProxyMetrics;
  /** Hooks for one project's upstream client: every exchange, and breaker transitions (1 = offline). */
  upstreamHooks(project: string): UpstreamHooks;
  /** Hits and misses of one proxy project since this process started (admin API statistics). */
  cacheCounts(project: string): Promise<{ hits: number; misses: number }>;
}

/** Prometheus metrics for one Berth process (served at GET /metrics). */
export function createMetrics(): RegistryMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'berth_' });
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const hits = counter('berth_proxy_cache_hits_total', 'Proxied requests served from the cache', ['project', 'kind']);
  const misses = counter('berth_proxy_cache_misses_total', 'Proxied requests that went to the upstream', ['project', 'kind']);
  const bytes = counter('berth_proxy_served_bytes_total', 'Bytes sent to clients by proxy projects, by origin', ['project', 'source']);
  const upstream = counter('berth_proxy_upstream_requests_total', 'HTTP exchanges with upstream registries and their token services', ['project', 'kind', 'status']);
  const coalesced = counter('berth_proxy_coalesced_total', 'Requests that joined an upstream fetch already in flight', ['project']);
  const stale = counter('berth_proxy_stale_served_total', 'Cached content served because the upstream was unavailable', ['project']);
  const mismatches = counter('berth_proxy_digest_mismatches_total', 'Upstream blobs discarded because their digest did not match', ['project']);
  /** A counter's total for one project, over its other labels. */
  const projectTotal = async (metric: Counter, project: string) =>
    (await metric.get()).values.filter((sample) => sample.labels.project === project).reduce((sum, sample) => sum + sample.value, 0);
  const offline = new Gauge({ name: 'berth_upstream_offline', help: '1 while the circuit breaker holds the upstream offline', labelNames: ['project'], registers: [registry] });
  return {
    registry,
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
    },
    upstreamHooks: (project) => ({
      onRequest: ({ kind, status }) => upstream.inc({ project, kind, status: String(status) }),
      onBreakerChange: (state) => offline.set({ project }, state === 'offline' ? 1 : 0),
    }),
    cacheCounts: async (project) => ({ hits: await projectTotal(hits, project), misses: await projectTotal(misses, project) }),
  };
}
