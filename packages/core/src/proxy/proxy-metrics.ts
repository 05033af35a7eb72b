import type { CacheOutcome } from './cache-status.js';

/** What the proxy reports for metrics, per project (the app maps it onto Prometheus counters). */
export interface ProxyMetrics {
  /** Served from the cache: `bytes` sent to the client from storage. */
  hit(project: string, kind: 'manifest' | 'blob', bytes: number): void;
  /** Fetched from the upstream (or joined such a fetch): `bytes` sent to the client as they arrived. */
  miss(project: string, kind: 'manifest' | 'blob', bytes: number): void;
  coalesced(project: string): void;
  stale(project: string): void;
  digestMismatch(project: string): void;
  /** A reader joined a blob fill in flight (counted when it joins; a Range reader is answered later). */
  fillJoined(): void;
  /** An upstream referrers list answered: from the cache (hit, stale), the upstream (miss, coalesced), or not at all (incomplete). */
  referrersList(project: string, outcome: CacheOutcome['kind']): void;
}

export const NO_PROXY_METRICS: ProxyMetrics = {
  hit: () => undefined,
  miss: () => undefined,
  coalesced: () => undefined,
  stale: () => undefined,
  digestMismatch: () => undefined,
  fillJoined: () => undefined,
  referrersList: () => undefined,
};
