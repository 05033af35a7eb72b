import type { ProxyProjectConfig, UpstreamTimeoutsConfig } from '@berth/config';
import type { ProjectRow } from '@berth/db';

/** How a proxy project reaches its upstream, as stored in projects.settings (credentials sealed). */
export interface ProxyUpstreamSettings {
  url: string;
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

/** A proxy project's settings: the configuration's, with the upstream as stored (credentials sealed). */
export type ProxySettings = Omit<ProxyProjectConfig, 'kind' | 'name' | 'upstream' | 'public'> & { upstream: ProxyUpstreamSettings };

export const DEFAULT_PROXY_SETTINGS: Omit<ProxySettings, 'upstream'> = {
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

/** The proxy settings of a project row; throws when the row is not a usable proxy project. */
export function proxySettingsOf(project: ProjectRow): ProxySettings {
  const raw = project.settings as Partial<ProxySettings>;
  if (project.kind !== 'proxy' || typeof raw.upstream?.url !== 'string') {
    throw new Error(`project ${project.name} is not a proxy project with an upstream`);
  }
  return {
    ...DEFAULT_PROXY_SETTINGS,
    ...raw,
    nameMapping: { ...DEFAULT_PROXY_SETTINGS.nameMapping, ...raw.nameMapping },
    prefetch: { ...DEFAULT_PROXY_SETTINGS.prefetch, ...raw.prefetch },
    upstream: raw.upstream,
  };
}
