import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from '@jest/globals';
import { openDatabase } from '@berth/db';
import { describeMetadataStoreContract } from './metadata-store-contract.js';
import { imageManifest, sha256 } from './fixtures.js';

describeMetadataStoreContract('PGlite (in memory)', () => openDatabase({}));

describe('PGlite with a data directory', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('keeps its data across close and reopen', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-db-'));
    dirs.push(root);
    const dataDir = join(root, 'nested', 'db'); // created on demand

    const first = await openDatabase({ dataDir });
    const project = await first.ensureProject('persist', 'proxy', { upstream: 'https://example.test' });
    const repo = await first.ensureRepository(project.id, 'persist/app');
    const manifest = imageManifest(repo.id, { tags: ['latest'] });
    await first.putManifest(manifest);
    const blob = { digest: sha256('layer'), size: 5 };
    await first.linkBlob(repo.id, blob);
    await first.createUpload('upload-1', repo.id);
    const claim = await first.claimUpload('upload-1', 0, 60_000);
    if (claim === null) throw new Error('the new session could not be claimed');
    await first.releaseUploadClaim(claim, 42);
    await first.close();

    // Reopening runs the migrator again: it must find everything applied and change nothing.
    const second = await openDatabase({ dataDir });
    try {
      expect(await second.getProject('persist')).toEqual(project);
      expect(await second.getRepository('persist/app')).toEqual(repo);
      const stored = await second.getManifestByTag(repo.id, 'latest');
      expect(stored?.digest).toBe(manifest.digest);
      expect(stored?.content).toEqual(manifest.content);
      expect(await second.getLinkedBlob(repo.id, blob.digest)).toEqual(blob);
      expect((await second.getUpload('upload-1'))?.offset).toBe(42);
    } finally {
      await second.close();
    }
  });
});
