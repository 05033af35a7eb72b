/**
 * Which forward proxy a request to an upstream goes through: the proxy of its scheme (http or
 * https), unless NO_PROXY exempts its host. NO_PROXY as curl and Go read it: comma- or
 * space-separated entries; `*` exempts everything; `example.com` and `.example.com` (or
 * `*.example.com`) exempt the domain and its subdomains; `host:port` only that port; IP
 * addresses match literally (no CIDR ranges).
 */
export interface UpstreamProxySettings {
  /** For http:// upstreams (absolute-form requests through it). */
  httpProxy?: string;
  /** For https:// upstreams (a CONNECT tunnel through it). */
  httpsProxy?: string;
  noProxy?: string;
}

/** The proxy URL for a request to `url`, or undefined to connect directly. */
export function proxyFor(url: URL, settings: UpstreamProxySettings | undefined): string | undefined {
  if (settings === undefined) return undefined;
  const proxy = url.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (proxy === undefined || proxy === '') return undefined;
  return bypassesProxy(url, settings.noProxy ?? '') ? undefined : proxy;
}

/** True when a NO_PROXY list exempts `url`'s host (and port). */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = unbracket(url.hostname.toLowerCase());
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  for (const raw of noProxy.toLowerCase().split(/[\s,]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const { entryHost, entryPort } = splitEntry(raw);
    if (entryPort !== undefined && entryPort !== port) continue;
    const domain = entryHost.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function splitEntry(entry: string): { entryHost: string; entryPort?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return { entryHost: bracketed[1] ?? '', ...(bracketed[2] !== undefined ? { entryPort: bracketed[2] } : {}) };
  // One colon: host:port. More: a bare IPv6 address.
  const parts = entry.split(':');
  if (parts.length === 2 && /^\d+$/.test(parts[1] ?? '')) return { entryHost: parts[0] ?? '', entryPort: parts[1] ?? '' };
  return { entryHost: entry };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
