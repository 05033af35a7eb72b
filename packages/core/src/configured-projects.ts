import { readFile } from 'node:fs/promises';
import type { ProjectConfig, ProxyProjectConfig } from '@berth/config';
import type { MetadataStore } from '@berth/db';
import type { ProxySettings, ProxyUpstreamSettings } from './proxy/proxy-settings.js';
import type { SecretSealer } from './proxy/sealed-secrets.js';

/**
 * Create or update the projects declared in configuration (configuration as code). Upstream
 * credentials are sealed before they reach the database; a CA file is read in once.
 */
export async function applyConfiguredProjects(
  metadata: MetadataStore,
  projects: readonly ProjectConfig[],
  sealer?: SecretSealer,
): Promise<void> {
  for (const project of projects) {
    if (project.kind === 'hosted') await metadata.upsertProject(project.name, 'hosted', {});
    else await metadata.upsertProject(project.name, 'proxy', { ...(await proxySettings(project, sealer)) });
  }
}

async function proxySettings(project: ProxyProjectConfig, sealer: SecretSealer | undefined): Promise<ProxySettings> {
  const { upstream } = project;
  const stored: ProxyUpstreamSettings = { url: upstream.url, tokenRealmHosts: upstream.tokenRealmHosts };
  if (upstream.insecureSkipVerify) stored.insecureSkipVerify = true;
  if (upstream.caFile !== undefined) stored.caPem = await readFile(upstream.caFile, 'utf8');
  const credentials =
    upstream.token !== undefined
      ? { token: upstream.token }
      : upstream.username !== undefined && upstream.password !== undefined
        ? { username: upstream.username, password: upstream.password }
        : undefined;
  if (credentials !== undefined) {
    if (sealer === undefined) throw new Error(`project ${project.name} has upstream credentials but no secrets key to seal them with`);
    stored.sealedCredentials = sealer.seal(JSON.stringify(credentials));
  }
  return {
    upstream: stored,
    tagTtlSeconds: project.tagTtlSeconds,
    maxStaleSeconds: project.maxStaleSeconds,
    negativeTtlSeconds: project.negativeTtlSeconds,
    serveStaleOnNotFound: project.serveStaleOnNotFound,
    pushPolicy: project.pushPolicy,
    ns: project.ns,
    nameMapping: project.nameMapping,
  };
}
