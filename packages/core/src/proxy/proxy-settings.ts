import type { ProxyProjectConfig, UpstreamTimeoutsConfig } from '@berth/config';
import type { ProjectRow } from '@berth/db';

/** How a proxy project reaches its upstream, as stored in projects.settings (credentials sealed). */
export interface ProxyUpstreamSettings {
  url: string;
  /** Label in metrics, logs and Cache-Status (upstreamNameOf: the URL's host when absent). */
  name?: string;
  /** This upstream's own name mapping; the project's when absent. */
  nameMapping?: ProxyProjectConfig['nameMapping'];
  /** Sealed JSON of `{ username, password }` or `{ token }` (see sealed-secrets.ts). */
  sealedCredentials?: string;
  insecureSkipVerify?: boolean;
  caPem?: string;
  tokenRealmHosts?: string[];
  /** As configured (seconds); the upstream client's defaults for those not given. */
  timeouts?: UpstreamTimeoutsConfig;
  /** This project's forward proxy (both schemes), replacing HTTP_PROXY / HTTPS_PROXY. */
  proxy?: string;
  /** Hosts reached directly, replacing NO_PROXY. */
  noProxy?: string;
}

/**
 * A proxy project's settings: the configuration's, with the upstreams as stored (credentials
 * sealed). `upstreams` is the ordered list (one element for the `upstream:` shorthand); `upstream`
 * is its first element (what name mapping and canonical names are worked out against).
 */
export type ProxySettings = Omit<ProxyProjectConfig, 'kind' | 'name' | 'upstream' | 'upstreams' | 'public'> & {
  upstream: ProxyUpstreamSettings;
  upstreams: ProxyUpstreamSettings[];
};


export const DEFAULT_PROXY_SETTINGS: Omit<ProxySettings, 'upstream' | 'upstreams'> = {
  tagTtlSeconds: 300,
  maxStaleSeconds: 7 * 24 * 3600,
  negativeTtlSeconds: 60,
  serveStaleOnNotFound: false,
  pushPolicy: 'referrers',
  ns: [],
  referrersProxy: false,
  nameMapping: { prefix: '', separator: '/', dockerHubLibrary: 'auto' },
  prefetch: { enabled: false, platforms: [], referrers: true },
};

/**
 * The proxy settings of a project row; throws when the row is not a usable proxy project. Rows
 * store either `upstream` (one registry, as every row before virtual-registry projects) or
 * `upstreams` (the ordered list); both read as the list.
 */
export function proxySettingsOf(project: ProjectRow): ProxySettings {
  const raw = project.settings as Partial<ProxySettings>;
  const upstreams = Array.isArray(raw.upstreams) ? raw.upstreams : raw.upstream !== undefined ? [raw.upstream] : [];
  const [first] = upstreams;
  if (project.kind !== 'proxy' || first === undefined || !upstreams.every((upstream) => typeof upstream?.url === 'string')) {
    throw new Error(`project ${project.name} is not a proxy project with an upstream`);
  }
  return {
    ...DEFAULT_PROXY_SETTINGS,
    ...raw,
    nameMapping: { ...DEFAULT_PROXY_SETTINGS.nameMapping, ...raw.nameMapping },
    prefetch: { ...DEFAULT_PROXY_SETTINGS.prefetch, ...raw.prefetch },
    upstream: first,
    upstreams,
  };
}

/** Whether the stored settings use the `upstreams` list (else the `upstream` shorthand). */
export function storesUpstreamList(project: ProjectRow): boolean {
  return Array.isArray((project.settings as Partial<ProxySettings>).upstreams);
}

/** The name mapping that applies to one upstream of a project: its own, else the project's. */
export function nameMappingFor(settings: Pick<ProxySettings, 'nameMapping'>, upstream: ProxyUpstreamSettings): ProxySettings['nameMapping'] {
  return upstream.nameMapping === undefined ? settings.nameMapping : { ...DEFAULT_PROXY_SETTINGS.nameMapping, ...upstream.nameMapping };
}
