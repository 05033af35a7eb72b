import { describe, it, expect, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@berth/config';
import { SecretSealer, applyConfiguredProjects } from '@berth/core';
import { openDatabase, type MetadataStore } from '@berth/db';

// Configuration-as-code is audited like the API: `project.apply` by `config` when a project is
// created or changed, nothing when the configuration already matches the stored project.

let metadata: MetadataStore | undefined;

afterAll(async () => {
  await metadata?.close();
});

function projects(hub: Record<string, unknown>) {
  return loadConfig({ argv: [], cwd: '/', env: { BERTH_PROJECTS: JSON.stringify([hub, { name: 'local', kind: 'hosted' }]) } }).projects;
}

describe('applyConfiguredProjects audit', () => {
  it('records creations and changes, not re-applications of the same configuration', async () => {
    metadata = await openDatabase({});
    const sealer = new SecretSealer(randomBytes(32));
    const hub = { name: 'hub', kind: 'proxy', upstream: { url: 'https://r.example.test', username: 'bob', password: 'hunter2-secret' } };

    await applyConfiguredProjects(metadata, projects(hub), { sealer });
    const created = await metadata.accounts.listAudit({ limit: 10 });
    expect(created.map((e) => [e.actor, e.action, e.target, e.before])).toEqual([
      ['config', 'project.apply', 'project:local', null],
      ['config', 'project.apply', 'project:hub', null],
    ]);
    const hubRow = await metadata.getProject('hub');

    // The same configuration again (credentials sealed anew would differ): nothing changes.
    await applyConfiguredProjects(metadata, projects(hub), { sealer });
    expect(await metadata.accounts.listAudit({ limit: 10 })).toHaveLength(2);
    expect((await metadata.getProject('hub'))?.updatedAt).toEqual(hubRow?.updatedAt);

    await applyConfiguredProjects(metadata, projects({ ...hub, tagTtlSeconds: 30, public: true }), { sealer });
    const [changed] = await metadata.accounts.listAudit({ limit: 1 });
    expect(changed).toMatchObject({
      actor: 'config',
      action: 'project.apply',
      target: 'project:hub',
      before: { tagTtlSeconds: 300, public: false, upstream: { credentials: 'basic' } },
      after: { tagTtlSeconds: 30, public: true, upstream: { credentials: 'basic' } },
    });
    expect(changed?.after).not.toHaveProperty('upstreamCredentials');

    await applyConfiguredProjects(metadata, projects({ ...hub, tagTtlSeconds: 30, public: true, upstream: { ...hub.upstream, password: 'rotated-secret' } }), { sealer });
    const [rotated] = await metadata.accounts.listAudit({ limit: 1 });
    expect(rotated?.after).toMatchObject({ upstreamCredentials: 'changed' });

    const all = JSON.stringify(await metadata.accounts.listAudit({ limit: 100 }));
    for (const secret of ['hunter2-secret', 'rotated-secret', 'bob', 'sealedCredentials']) expect(all).not.toContain(secret);
  });
});
