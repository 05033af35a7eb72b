import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { UnsupportedFramingError, getOverOwnConnection, type BlobConnectionOptions, type SocketHandOver } from './blob-connection.js';
import { UpstreamUnavailableError } from './errors.js';
import { describeNetworkError, isTimeout } from './network-errors.js';
import { proxyFor, type UpstreamProxySettings } from './proxy-route.js';
import type { UpstreamHooks, UpstreamOptions, UpstreamRequestKind } from './types.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;
export const MAX_REDIRECTS = 5;

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface UpstreamRequest {
  kind: UpstreamRequestKind;
  method: 'GET' | 'HEAD';
  url: URL;
  headers?: Record<string, string>;
  /** Sent only to `url`'s origin: dropped when a redirect leaves it. */
  authorization?: string;
  signal?: AbortSignal;
}

/** A request through the client's authorization, sorted by status: null for a 404. */
export type UpstreamFetch = (
  kind: UpstreamRequestKind,
  method: 'GET' | 'HEAD',
  url: URL,
  repository: string,
  headers?: Record<string, string>,
  signal?: AbortSignal,
) => Promise<UpstreamResponse | null>;

export interface UpstreamResponse {
  status: number;
  headers: ResponseHeaders;
  /** Must be consumed or destroyed (discard()) so the connection is freed. */
  body: Readable;
  /** Where the answer came from, after redirects. */
  url: URL;
  /** Give back a body chunk no longer referenced anywhere (see BlobConnectionResponse.recycle). */
  recycle?(chunk: Uint8Array): void;
  /** Hand the connection over mid-body (see BlobConnectionResponse.handOver); own blob connections only. */
  handOver?(): SocketHandOver | undefined;
}

/** The first value of a response header. */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Throw away a body we do not read, freeing the connection. */
export function discard(response: UpstreamResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}

/**
 * Read a whole (small) body; undefined when it is longer than `limit` bytes (the rest is dropped).
 * A cut connection surfaces as UpstreamUnavailableError.
 */
export async function readBody(response: UpstreamResponse, limit: number, upstream: string): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > limit) {
        discard(response);
        return undefined;
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw toUnavailable(error, upstream, response.url.host);
  }
  return Buffer.concat(chunks, length);
}

/**
 * The HTTP layer of one upstream client: one undici Agent (connection pool, TLS settings,
 * timeouts), manual redirects, error classification and the onRequest hook.
 */
export class Transport {
  private readonly agent: Agent;
  /** One agent per forward proxy used (HTTP_PROXY / HTTPS_PROXY, or the project's), made on first use. */
  private readonly proxyAgents = new Map<string, ProxyAgent>();
  private readonly proxy: UpstreamProxySettings | undefined;
  /** How blob GETs connect (blob-connection.ts): the same timeouts and trust as the agent, built once. */
  private readonly blobConnection: Omit<BlobConnectionOptions, 'url' | 'headers' | 'signal'>;

  constructor(
    private readonly upstream: string,
    options: Pick<UpstreamOptions, 'tls' | 'timeouts' | 'proxy'>,
    private readonly hooks: UpstreamHooks | undefined,
  ) {
    this.proxy = options.proxy;
    const tls = options.tls ?? {};
    // A private CA is trusted in addition to the public roots, not instead of them.
    const ca = tls.caPem !== undefined ? [...rootCertificates, tls.caPem] : undefined;
    const rejectUnauthorized = tls.insecureSkipVerify !== true;
    this.blobConnection = {
      connectTimeoutMs: options.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: options.timeouts?.headersMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      bodyIdleTimeoutMs: options.timeouts?.bodyIdleMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
    };
    // Parsed once: a PEM list passed as `ca` is parsed again (~150 certificates) for every new connection.
    this.upstreamTls = { rejectUnauthorized, ...(ca !== undefined ? { secureContext: createSecureContext({ ca }) } : {}) };
    this.agent = new Agent({
      connect: { timeout: this.blobConnection.connectTimeoutMs, ...this.upstreamTls },
      headersTimeout: this.blobConnection.headersTimeoutMs,
      bodyTimeout: this.blobConnection.bodyIdleTimeoutMs,
    });
  }

  /** Trust settings for the upstream's TLS (direct, or inside a proxy's CONNECT tunnel). */
  private readonly upstreamTls: { rejectUnauthorized: boolean; secureContext?: SecureContext };

  /** The forward proxy for `url` (undefined: direct), after NO_PROXY. */
  proxyFor(url: URL): string | undefined {
    return proxyFor(url, this.proxy);
  }

  /**
   * The undici dispatcher for `url`: the direct agent, or undici's ProxyAgent for its proxy (a
   * CONNECT tunnel for https upstreams, absolute-form requests for http ones).
   */
  private dispatcherFor(url: URL): Dispatcher {
    const proxy = this.proxyFor(url);
    if (proxy === undefined) return this.agent;
    let agent = this.proxyAgents.get(proxy);
    if (agent === undefined) {
      agent = new ProxyAgent({
        uri: proxy,
        proxyTunnel: false,
        requestTls: this.upstreamTls,
        proxyTls: { timeout: this.blobConnection.connectTimeoutMs },
        connect: { timeout: this.blobConnection.connectTimeoutMs },
        headersTimeout: this.blobConnection.headersTimeoutMs,
        bodyTimeout: this.blobConnection.bodyIdleTimeoutMs,
      });
      this.proxyAgents.set(proxy, agent);
    }
    return agent;
  }

  /**
   * Send a request, following up to MAX_REDIRECTS redirects. Authorization goes only to the
   * original origin: a blob redirected to a CDN or object store is fetched without it.
   */
  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    let url = request.url;
    for (let hop = 0; ; hop += 1) {
      const headers: Record<string, string> = { ...request.headers };
      if (request.authorization !== undefined && url.origin === request.url.origin) headers.authorization = request.authorization;
      const response = await this.exchange(request, url, headers);
      const location = isRedirect(response.status) ? header(response.headers, 'location') : undefined;
      if (location === undefined) return response;
      discard(response);
      if (hop >= MAX_REDIRECTS) {
        throw new UpstreamUnavailableError(this.upstream, 'connection', `more than ${MAX_REDIRECTS} redirects`, { host: url.host });
      }
      const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (next === undefined || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new UpstreamUnavailableError(this.upstream, 'connection', 'redirect to an invalid or non-http(s) location', { host: url.host });
      }
      url = next;
    }
  }

  private async exchange(request: UpstreamRequest, url: URL, headers: Record<string, string>): Promise<UpstreamResponse> {
    const started = performance.now();
    const report = (status: number | 'error') =>
      this.hooks?.onRequest?.({ kind: request.kind, method: request.method, status, durationMs: performance.now() - started });
    try {
      // A plain-HTTP blob body is read on a connection of its own with large reused buffers
      // (blob-connection.ts). Over https undici's pooled connections are kept: TLS records are
      // small whoever reads them, and a blob (or its redirect to a CDN) then costs no new handshake.
      // Through a forward proxy it goes through undici's ProxyAgent like every other request.
      const direct = this.proxyFor(url) === undefined;
      const own = direct && url.protocol === 'http:' && request.kind === 'blob-get' && request.method === 'GET';
      const ownConnection = own ? await this.getBlob(request, url, headers) : undefined;
      if (ownConnection !== undefined) {
        report(ownConnection.status);
        return { ...ownConnection, url };
      }
      const response = await this.dispatcherFor(url).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        signal: request.signal ?? null,
      });
      report(response.statusCode); // the duration is the time to the response headers
      return { status: response.statusCode, headers: response.headers, body: response.body, url };
    } catch (error) {
      report('error');
      if (request.signal?.aborted === true) throw request.signal.reason ?? error;
      const proxy = this.proxyFor(url);
      throw toUnavailable(error, this.upstream, url.host, proxy);
    }
  }

  /** The blob GET on its own connection; undefined when its framing needs the general client. */
  private async getBlob(request: UpstreamRequest, url: URL, headers: Record<string, string>): Promise<Omit<UpstreamResponse, 'url'> | undefined> {
    try {
      return await getOverOwnConnection({ ...this.blobConnection, url, headers, ...(request.signal !== undefined ? { signal: request.signal } : {}) });
    } catch (error) {
      if (error instanceof UnsupportedFramingError) return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), ...[...this.proxyAgents.values()].map((agent) => agent.close())]);
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * A network failure as UpstreamUnavailableError ('timeout' or 'connection') naming the host asked
 * and what went wrong (refused, DNS, TLS certificate, timeout...); errors that are already
 * classified, and aborts, pass through unchanged.
 */
export function toUnavailable(error: unknown, upstream: string, host?: string, proxy?: string): unknown {
  if (error instanceof UpstreamUnavailableError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const through = proxy === undefined ? '' : ` (through the proxy ${proxyHost(proxy)})`;
  return new UpstreamUnavailableError(upstream, isTimeout(error) ? 'timeout' : 'connection', `${describeNetworkError(error)}${through}`, {
    cause: error,
    ...(host !== undefined ? { host } : {}),
  });
}

/** A proxy URL as logs name it: its host and port, never its credentials. */
function proxyHost(proxy: string): string {
  return URL.canParse(proxy) ? new URL(proxy).host : 'configured';
}
