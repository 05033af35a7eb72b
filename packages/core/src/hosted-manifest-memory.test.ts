import { describe, expect, it } from '@jest/globals';
import { HostedManifestMemory } from './hosted-manifest-memory.js';
import { InProcessContentVersions } from './proxy/content-versions.js';

const manifest = (size: number, digest = `sha256:${size}`) => ({ digest, mediaType: 'x', content: new Uint8Array(size), subject: null });

/** Remember as ManifestService does: the version first, then the (database) read. */
async function remember(memory: HostedManifestMemory, name: string, reference: string, projectId: number, content = manifest(10)): Promise<void> {
  const version = await memory.versionOf(projectId);
  if (version === undefined) throw new Error('no version');
  memory.remember(name, reference, projectId, version, content);
}

describe('HostedManifestMemory', () => {
  it('serves an entry while its project content version is unchanged, and not after a push or delete bumped it', async () => {
    const versions = new InProcessContentVersions();
    const memory = new HostedManifestMemory(versions, { maxAgeMs: 30_000 });
    await remember(memory, 'team/app', 'latest', 7, manifest(10, 'sha256:old'));
    expect(await memory.get('team/app', 'latest')).toEqual({ manifest: manifest(10, 'sha256:old'), projectId: 7, version: '0', rememberedAt: expect.any(Number) });
    await versions.bump(8); // another project: no effect
    expect((await memory.get('team/app', 'latest'))?.manifest.digest).toBe('sha256:old');
    await versions.bump(7);
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
    // Gone for good, even if the version were to read the same again.
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
  });

  it('an entry read under the version from before a racing write is outdated as soon as that write bumps', async () => {
    const versions = new InProcessContentVersions();
    const memory = new HostedManifestMemory(versions, { maxAgeMs: 30_000 });
    const version = await memory.versionOf(1);
    await versions.bump(1); // the write finished between the version read and the remember
    memory.remember('team/app', 'latest', 1, version!, manifest(10));
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
  });

  it('remembers nothing and serves nothing while the version cannot be read (Redis down)', async () => {
    let down = false;
    const versions = { current: async () => { if (down) throw new Error('redis down'); return '3'; } };
    const memory = new HostedManifestMemory(versions, { maxAgeMs: 30_000 });
    await remember(memory, 'team/app', 'latest', 1);
    down = true;
    expect(await memory.versionOf(1)).toBeUndefined();
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
    down = false;
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
  });

  it('reads again once an entry is maxAgeMs old, whatever the version says (a bump this process never heard of)', async () => {
    let now = 1_000;
    const memory = new HostedManifestMemory(new InProcessContentVersions(), { maxAgeMs: 5_000, now: () => now });
    await remember(memory, 'team/app', 'latest', 1);
    now += 4_999;
    expect(await memory.get('team/app', 'latest')).toBeDefined();
    now += 1;
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
  });

  it('forgets one repository only, not another whose name starts the same', async () => {
    const memory = new HostedManifestMemory(new InProcessContentVersions(), { maxAgeMs: 30_000 });
    await remember(memory, 'team/app', 'latest', 1);
    await remember(memory, 'team/app', 'sha256:10', 1);
    await remember(memory, 'team/app/web', 'latest', 1);
    await remember(memory, 'team/ap', 'latest', 1);
    memory.forgetRepository('team/app');
    expect(await memory.get('team/app', 'latest')).toBeUndefined();
    expect(await memory.get('team/app', 'sha256:10')).toBeUndefined();
    expect(await memory.get('team/app/web', 'latest')).toBeDefined();
    expect(await memory.get('team/ap', 'latest')).toBeDefined();
  });

  it('keeps within its byte budget, least recently used out first, and skips a manifest over a sixteenth of it', async () => {
    const memory = new HostedManifestMemory(new InProcessContentVersions(), { maxAgeMs: 30_000, maxBytes: 1600 });
    await remember(memory, 'team/app', 'big', 1, manifest(101));
    expect(await memory.get('team/app', 'big')).toBeUndefined();
    for (let i = 0; i < 16; i += 1) await remember(memory, 'team/app', `t${i}`, 1, manifest(100, `sha256:${i}`));
    expect(await memory.get('team/app', 't0')).toBeDefined(); // now the most recently used
    await remember(memory, 'team/app', 't16', 1, manifest(100));
    expect(await memory.get('team/app', 't1')).toBeUndefined();
    expect(await memory.get('team/app', 't0')).toBeDefined();
    expect(await memory.get('team/app', 't16')).toBeDefined();
  });
});
