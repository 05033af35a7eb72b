import type { SocketReceiver } from '@berth/sendfile';
import type { Readable } from 'node:stream';
import type { Descriptor } from '@berth/oci';
import type { UpstreamProxySettings } from './proxy-route.js';

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
  /** Forward proxies (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, or the project's); direct when absent. */
  proxy?: UpstreamProxySettings;
  /** After `failures` consecutive unavailable answers the upstream is offline for `openMs`. */
  breaker?: { failures?: number; openMs?: number };
  /** How many times a blob body cut mid-stream is resumed with a Range request. */
  maxBlobResumes?: number;
  /** Tags asked for per page (the `n` parameter of tags/list); default 1000. */
  tagsPageSize?: number;
  /** Manifests larger than this are refused (MANIFEST_TOO_BIG); default 4 MiB. */
  maxManifestBytes?: number;
  /**
   * Bounds on one referrers listing: descriptors (default 10,000), response bytes in all (4 MiB),
   * referrers API pages (100); and how long the upstream's lack of a referrers API is remembered
   * (10 minutes), during which the tag schema is read without asking the API first.
   */
  referrers?: { maxDescriptors?: number; maxBytes?: number; maxPages?: number; apiMemoryMs?: number };
  logger?: UpstreamLogger;
  hooks?: UpstreamHooks;
  /** The clock of token lifetimes and the breaker (ms since the epoch); Date.now by default. Tests move their own. */
  now?: () => number;
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
  /**
   * Give back a body chunk nothing references any more (no view of it kept): the upstream
   * connection may read into its memory again. Optional to call; chunks not given back are GC'd.
   */
  recycle?(chunk: Uint8Array): void;
  /**
   * Read the rest of the body without JavaScript when the connection allows it (see
   * ResumableBlobBody.receiveInto): `receiver` gets the socket and writes and hashes the bytes.
   * Resolves with the bytes received that way; `body` then gives whatever is left, if anything.
   */
  receiveInto?(receiver: SocketReceiver): Promise<number>;
}

/** The referrers of one subject manifest at the upstream. */
export interface UpstreamReferrers {
  /** In the upstream's order, each digest once (the first entry wins); invalid entries are left out. */
  descriptors: Descriptor[];
  /**
   * 'api': the referrers API answered; 'tag-schema': the upstream has no referrers API (404),
   * so the referrers tag schema and cosign's legacy tags were read instead.
   */
  source: 'api' | 'tag-schema';
  /** A bound (pages, descriptors or bytes) cut the list short, or a later API page was gone. */
  truncated: boolean;
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
  /** The subject's referrers upstream, unfiltered (Berth filters itself). */
  listReferrers(repository: string, subject: string): Promise<UpstreamReferrers>;
  breakerState(): BreakerState;
  close(): Promise<void>;
}
