import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { configuredUpstreams, upstreamNameOf, type ProjectConfig, type ProxyProjectConfig, type UpstreamConfig } from '@berth/config';
import type { ProjectRow } from '@berth/db';
import { proxySettingsOf, storesUpstreamList, type ProxySettings, type ProxyUpstreamSettings } from '../proxy/proxy-settings.js';
import type { SecretSealer } from '../proxy/sealed-secrets.js';

/**
 * Project settings as stored in `projects.settings`, built from a project as configured (a
 * configuration file or the admin API: both validate with @berth/config's projectSchema).
 */

export interface SettingsOptions {
  /** Seals upstream credentials; required when the project has some. */
  sealer?: SecretSealer;
  /**
   * The stored upstreams being replaced. When an upstream's new credentials are the ones the stored
   * upstream of the same name sealed, its sealed text is kept, so applying an unchanged
   * configuration leaves the row (and its version) as it was.
   */
  previous?: ProxyUpstreamSettings[];
  /** Reads `upstream.caFile` (default: the file as UTF-8). */
  readCaFile?: (path: string) => Promise<string>;
}

type UpstreamCredentials = { username: string; password: string } | { token: string };

export type CredentialsKind = 'none' | 'basic' | 'token' | 'unreadable';

/** A hosted project's signature policy (if any); a proxy project's settings with its credentials sealed and its CA file read in. */
export async function storedProjectSettings(project: ProjectConfig, options: SettingsOptions = {}): Promise<Record<string, unknown>> {
  const policy = project.signaturePolicy !== undefined ? { signaturePolicy: project.signaturePolicy } : {};
  if (project.kind === 'hosted') return policy;
  return { ...(await proxySettings(project, options)), ...policy };
}

async function storedUpstream(project: string, upstream: UpstreamConfig, options: SettingsOptions): Promise<ProxyUpstreamSettings> {
  const stored: ProxyUpstreamSettings = { url: upstream.url, tokenRealmHosts: upstream.tokenRealmHosts };
  if (upstream.name !== undefined) stored.name = upstream.name;
  if (upstream.nameMapping !== undefined) stored.nameMapping = upstream.nameMapping;
  if (upstream.insecureSkipVerify) stored.insecureSkipVerify = true;
  if (upstream.timeouts !== undefined) stored.timeouts = upstream.timeouts;
  if (upstream.proxy !== undefined) stored.proxy = upstream.proxy;
  if (upstream.noProxy !== undefined) stored.noProxy = upstream.noProxy;
  if (upstream.caFile !== undefined) stored.caPem = await (options.readCaFile ?? ((path) => readFile(path, 'utf8')))(upstream.caFile);
  const credentials = credentialsOf(upstream);
  if (credentials !== undefined) {
    const previous = options.previous?.find((candidate) => upstreamNameOf(candidate) === upstreamNameOf(upstream));
    stored.sealedCredentials = sealCredentials(project, credentials, options.sealer, previous);
  }
  return stored;
}

/**
 * Stored with the key the project was configured with: `upstream` for the shorthand (as every row
 * before virtual-registry projects), `upstreams` for the list.
 */
async function proxySettings(project: ProxyProjectConfig, options: SettingsOptions): Promise<Omit<ProxySettings, 'upstream' | 'upstreams'> & ({ upstream: ProxyUpstreamSettings } | { upstreams: ProxyUpstreamSettings[] })> {
  const upstreams: ProxyUpstreamSettings[] = [];
  for (const upstream of configuredUpstreams(project)) upstreams.push(await storedUpstream(project.name, upstream, options));
  return {
    ...(project.upstreams !== undefined ? { upstreams } : { upstream: upstreams[0]! }),
    tagTtlSeconds: project.tagTtlSeconds,
    maxStaleSeconds: project.maxStaleSeconds,
    negativeTtlSeconds: project.negativeTtlSeconds,
    serveStaleOnNotFound: project.serveStaleOnNotFound,
    pushPolicy: project.pushPolicy,
    ns: project.ns,
    referrersProxy: project.referrersProxy,
    nameMapping: project.nameMapping,
    prefetch: project.prefetch,
    ...(project.quota !== undefined ? { quota: project.quota } : {}),
    ...(project.retentionDays !== undefined ? { retentionDays: project.retentionDays } : {}),
  };
}

function credentialsOf(upstream: UpstreamConfig): UpstreamCredentials | undefined {
  if (upstream.token !== undefined) return { token: upstream.token };
  if (upstream.username !== undefined && upstream.password !== undefined) return { username: upstream.username, password: upstream.password };
  return undefined;
}

function sealCredentials(project: string, credentials: UpstreamCredentials, sealer: SecretSealer | undefined, previous: ProxyUpstreamSettings | undefined): string {
  if (sealer === undefined) throw new Error(`project ${project} has upstream credentials but no secrets key to seal them with`);
  if (previous?.sealedCredentials !== undefined && isDeepStrictEqual(openCredentials(previous.sealedCredentials, sealer), credentials)) {
    return previous.sealedCredentials;
  }
  return sealer.seal(JSON.stringify(credentials));
}

function openCredentials(sealed: string, sealer: SecretSealer): unknown {
  try {
    return JSON.parse(sealer.open(sealed)) as unknown;
  } catch {
    return undefined;
  }
}

/** Which kind of credentials a stored upstream has, never their values. */
export function credentialsKind(upstream: ProxyUpstreamSettings, sealer: SecretSealer | undefined): CredentialsKind {
  if (upstream.sealedCredentials === undefined) return 'none';
  const opened = sealer === undefined ? undefined : openCredentials(upstream.sealedCredentials, sealer);
  if (typeof opened !== 'object' || opened === null) return 'unreadable';
  return 'token' in opened ? 'token' : 'basic';
}

/**
 * A stored proxy project as configuration input, the base a PATCH is merged onto. Each upstream
 * carries only its URL and plain options: credentials and CA are not re-expressible as input, so a
 * PATCH without `upstream`/`upstreams` keeps the stored upstreams as they are.
 */
export function proxyInputOf(row: ProjectRow): Record<string, unknown> {
  const { upstream, upstreams, ...rest } = proxySettingsOf(row);
  return {
    ...rest,
    kind: 'proxy',
    name: row.name,
    public: row.public,
    ...(storesUpstreamList(row) ? { upstreams: upstreams.map(upstreamInputOf) } : { upstream: upstreamInputOf(upstream) }),
  };
}

function upstreamInputOf(upstream: ProxyUpstreamSettings): Record<string, unknown> {
  return {
    url: upstream.url,
    ...(upstream.name !== undefined ? { name: upstream.name } : {}),
    ...(upstream.nameMapping !== undefined ? { nameMapping: upstream.nameMapping } : {}),
    insecureSkipVerify: upstream.insecureSkipVerify ?? false,
    tokenRealmHosts: upstream.tokenRealmHosts ?? [],
    ...(upstream.timeouts !== undefined ? { timeouts: upstream.timeouts } : {}),
    ...(upstream.proxy !== undefined ? { proxy: upstream.proxy } : {}),
    ...(upstream.noProxy !== undefined ? { noProxy: upstream.noProxy } : {}),
  };
}

/** A stored hosted project as configuration input (the base a PATCH is merged onto). */
export function hostedInputOf(row: ProjectRow): Record<string, unknown> {
  const policy = row.settings.signaturePolicy;
  return { kind: 'hosted', name: row.name, public: row.public, ...(policy !== undefined ? { signaturePolicy: policy } : {}) };
}

/** True when two settings objects hold the same JSON (jsonb does not keep key order). */
export function sameSettings(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
