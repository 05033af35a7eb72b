import { describe, it, expect, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@berth/config';
import { SecretSealer, applyConfiguredProjects } from '@berth/core';
import { openDatabase, type MetadataStore } from '@berth/db';

// Upstream credentials from configuration reach the database only sealed.

let metadata: MetadataStore | undefined;

afterAll(async () => {
  await metadata?.close();
});

describe('applyConfiguredProjects', () => {
  it('stores proxy settings with the credentials sealed, openable only with the key', async () => {
    metadata = await openDatabase({});
    const config = loadConfig({
      argv: [],
      cwd: '/',
      env: {
        BERTH_PROJECTS: JSON.stringify([
          { name: 'hub', kind: 'proxy', upstream: { url: 'https://registry-1.docker.io', username: 'bob', password: 'hunter2-secret' }, ns: ['docker.io'] },
          { name: 'ghcr', kind: 'proxy', upstream: { url: 'https://ghcr.io', token: 'ghp_tokenvalue' } },
          { name: 'local', kind: 'hosted' },
        ]),
      },
    });
    const sealer = new SecretSealer(randomBytes(32));
    await applyConfiguredProjects(metadata, config.projects, { sealer });

    const hub = await metadata.getProject('hub');
    const stored = JSON.stringify(hub?.settings);
    expect(stored).not.toContain('hunter2-secret');
    expect(stored).not.toContain('bob');
    expect(hub?.settings).toMatchObject({ upstream: { url: 'https://registry-1.docker.io' }, ns: ['docker.io'], pushPolicy: 'referrers', tagTtlSeconds: 300 });
    const sealed = (hub?.settings.upstream as { sealedCredentials: string }).sealedCredentials;
    expect(JSON.parse(sealer.open(sealed))).toEqual({ username: 'bob', password: 'hunter2-secret' });
    expect(() => new SecretSealer(randomBytes(32)).open(sealed)).toThrow();

    const ghcr = await metadata.getProject('ghcr');
    expect(JSON.stringify(ghcr?.settings)).not.toContain('ghp_tokenvalue');
    expect((await metadata.getProject('local'))?.kind).toBe('hosted');
  });

  it('refuses credentials without a key to seal them', async () => {
    const config = loadConfig({
      argv: [],
      cwd: '/',
      env: { BERTH_PROJECTS: JSON.stringify([{ name: 'priv', kind: 'proxy', upstream: { url: 'https://r.example', token: 't' } }]) },
    });
    metadata ??= await openDatabase({});
    await expect(applyConfiguredProjects(metadata, config.projects)).rejects.toThrow(/no secrets key/);
  });
});
