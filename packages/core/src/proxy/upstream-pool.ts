import type { ProjectRow } from '@berth/db';
import type { UpstreamClient, UpstreamHooks, UpstreamLogger, UpstreamOptions, UpstreamProxySettings } from '@berth/upstream';
import { upstreamNameOf } from '@berth/config';
import type { ProxySettings, ProxyUpstreamSettings } from './proxy-settings.js';
import type { SecretSealer } from './sealed-secrets.js';

export type UpstreamFactory = (options: UpstreamOptions) => UpstreamClient;

/** An upstream's client with its label. */
export interface NamedUpstreamClient {
  name: string;
  client: UpstreamClient;
}

/**
 * The upstream clients of each proxy project, one per upstream in the project's order, rebuilt
 * when the project's settings change. Each has its own breaker and token cache.
 */
export class UpstreamPool {
  private readonly clients = new Map<number, { version: number; clients: NamedUpstreamClient[] }>();

  constructor(
    private readonly factory: UpstreamFactory,
    private readonly sealer: SecretSealer | undefined,
    private readonly observe: { logger?: UpstreamLogger; hooks?: (project: string, upstream: string) => UpstreamHooks; proxy?: UpstreamProxySettings } = {},
  ) {}

  /** The project's upstream clients, in its order. */
  forProject(project: ProjectRow, settings: ProxySettings): NamedUpstreamClient[] {
    const version = project.updatedAt.getTime();
    const cached = this.clients.get(project.id);
    if (cached !== undefined && cached.version === version) return cached.clients;
    if (cached !== undefined) for (const { client } of cached.clients) void client.close();
    const several = settings.upstreams.length > 1;
    const clients = settings.upstreams.map((upstream) => {
      const name = upstreamNameOf(upstream);
      // One upstream: named after the project, as before; several: `project/upstream` in logs and errors.
      return { name, client: this.factory(this.optionsFor(project.name, several ? `${project.name}/${name}` : project.name, name, upstream)) };
    });
    this.clients.set(project.id, { version, clients });
    return clients;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].flatMap(({ clients }) => clients.map(({ client }) => client.close())));
    this.clients.clear();
  }

  private optionsFor(project: string, name: string, label: string, upstream: ProxyUpstreamSettings): UpstreamOptions {
    const options: UpstreamOptions = { name, url: upstream.url };
    if (upstream.sealedCredentials !== undefined) {
      if (this.sealer === undefined) throw new Error(`project ${project} has sealed upstream credentials but no secrets key is configured`);
      options.credentials = JSON.parse(this.sealer.open(upstream.sealedCredentials)) as NonNullable<UpstreamOptions['credentials']>;
    }
    if (upstream.insecureSkipVerify === true || upstream.caPem !== undefined) {
      options.tls = {
        ...(upstream.insecureSkipVerify === true ? { insecureSkipVerify: true } : {}),
        ...(upstream.caPem !== undefined ? { caPem: upstream.caPem } : {}),
      };
    }
    if (upstream.tokenRealmHosts !== undefined) options.tokenRealmHosts = upstream.tokenRealmHosts;
    if (upstream.timeouts !== undefined) {
      const { connectSeconds, headersSeconds, bodyIdleSeconds } = upstream.timeouts;
      options.timeouts = {
        ...(connectSeconds !== undefined ? { connectMs: connectSeconds * 1000 } : {}),
        ...(headersSeconds !== undefined ? { headersMs: headersSeconds * 1000 } : {}),
        ...(bodyIdleSeconds !== undefined ? { bodyIdleMs: bodyIdleSeconds * 1000 } : {}),
      };
    }
    const proxy = proxyOf(upstream, this.observe.proxy);
    if (proxy !== undefined) options.proxy = proxy;
    if (this.observe.logger !== undefined) options.logger = this.observe.logger;
    const hooks = this.observe.hooks?.(project, label);
    if (hooks !== undefined) options.hooks = hooks;
    return options;
  }
}

/**
 * The forward proxies of a project's upstream: its own `proxy` (for both schemes) or the process's
 * (HTTP_PROXY / HTTPS_PROXY), with its own `noProxy` or the process's NO_PROXY.
 */
export function proxyOf(upstream: ProxySettings['upstream'], process: UpstreamProxySettings | undefined): UpstreamProxySettings | undefined {
  const base: UpstreamProxySettings = upstream.proxy !== undefined ? { httpProxy: upstream.proxy, httpsProxy: upstream.proxy } : { ...process };
  const noProxy = upstream.noProxy ?? process?.noProxy;
  const settings: UpstreamProxySettings = {
    ...(base.httpProxy !== undefined ? { httpProxy: base.httpProxy } : {}),
    ...(base.httpsProxy !== undefined ? { httpsProxy: base.httpsProxy } : {}),
    ...(noProxy !== undefined ? { noProxy } : {}),
  };
  return settings.httpProxy === undefined && settings.httpsProxy === undefined ? undefined : settings;
}
