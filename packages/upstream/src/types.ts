import type { Readable } from 'node:stream';

/** How Berth reaches one upstream registry (one per proxy project). */
export interface UpstreamOptions {
  /** Name for logs and metrics (the proxy project's name). */
  name: string;
  /** Base URL, e.g. https://registry-1.docker.io or http://127.0.0.1:5001 (no /v2 suffix). */
  url: string;
  credentials?: { username: string; password: string } | { token: string };
  tls?: { insecureSkipVerify?: boolean; caPem?: string };
  /**
   * Hosts a Bearer challenge's token realm may point at, besides the upstream's own host.
   * Docker Hub's auth.docker.io is allowed for registry-1.docker.io without configuration.
   */
  tokenRealmHosts?: string[];
  timeouts?: { connectMs?: number; headersMs?: number; bodyIdleMs?: number };
  /** After `failures` consecutive unavailable answers the upstream is offline for `openMs`. */
  breaker?: { failures?: number; openMs?: number };
  /** How many times a blob body cut mid-stream is resumed with a Range request. */
  maxBlobResumes?: number;
  /** Tags asked for per page (the `n` parameter of tags/list); default 1000. */
  tagsPageSize?: number;
  /** Manifests larger than this are refused (MANIFEST_TOO_BIG); default 4 MiB. */
  maxManifestBytes?: number;
  logger?: UpstreamLogger;
  hooks?: UpstreamHooks;
}

export interface UpstreamLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export type UpstreamRequestKind = 'manifest-head' | 'manifest-get' | 'blob-head' | 'blob-get' | 'tags' | 'referrers' | 'token';

export interface UpstreamHooks {
  /** Every HTTP exchange with the upstream (or its token realm), for metrics. */
  onRequest?(event: { kind: UpstreamRequestKind; method: string; status: number | 'error'; durationMs: number }): void;
  onBreakerChange?(state: BreakerState): void;
}

export type BreakerState = 'online' | 'offline';

/** Response headers a client of Berth may see from the upstream (all others are dropped). */
export const FORWARDED_HEADERS = ['content-type', 'content-length', 'docker-content-digest', 'etag', 'docker-distribution-api-version'] as const;

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestHead {
  /** Exactly the bytes the upstream sent; digest verified when the reference was a digest. */
  bytes: Buffer;
}

export interface UpstreamBlob {
  size: number;
  /**
   * The body from `offset`; a connection lost midway is resumed transparently with a Range request
   * (up to maxBlobResumes times), so the stream only errors when the upstream is really gone.
   */
  body: Readable;
}

/**
 * A client for one upstream registry. "Not found" answers are `null`; an unreachable upstream
 * (connection error, timeout, 5xx, 429, breaker open) throws UpstreamUnavailableError; any other
 * refusal throws UpstreamError carrying the decoded OCI error.
 */
export interface UpstreamClient {
  readonly name: string;
  headManifest(repository: string, reference: string, accept: readonly string[]): Promise<ManifestHead | null>;
  getManifest(repository: string, reference: string, accept: readonly string[]): Promise<FetchedManifest | null>;
  headBlob(repository: string, digest: string): Promise<{ size: number } | null>;
  openBlob(repository: string, digest: string, options?: { offset?: number; signal?: AbortSignal }): Promise<UpstreamBlob | null>;
  /** Every tag, following the upstream's Link pages; null when the repository is unknown upstream. */
  listTags(repository: string): Promise<string[] | null>;
  breakerState(): BreakerState;
  close(): Promise<void>;
}
