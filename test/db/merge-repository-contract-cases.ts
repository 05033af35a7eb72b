import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import type { MetadataStore } from '@berth/db';
import { imageManifest, sha256 } from './fixtures.js';

/**
 * mergeRepositoryInto: the start-up merge of a proxy project's repositories kept under two names
 * (`hub/web` beside `hub/library/web`) into one (see metadata-store-contract.ts).
 */
export function registerMergeRepositoryCases(getStore: () => MetadataStore): void {
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

  describe('mergeRepositoryInto', () => {
    it('renames a repository when the canonical name is free', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('merge'), 'proxy', {});
      const alias = await store.ensureRepository(project.id, `${project.name}/web`);
      const manifest = imageManifest(alias.id, { source: 'cached', tags: ['v1'] });
      await store.putManifest(manifest);
      expect(await store.mergeRepositoryInto(project.id, `${project.name}/web`, `${project.name}/library/web`)).toBe(true);
      expect(await store.getRepository(`${project.name}/web`)).toBeNull();
      const canonical = await store.getRepository(`${project.name}/library/web`);
      expect(canonical?.id).toBe(alias.id);
      expect(await store.listTags(alias.id, {})).toEqual(['v1']);
      expect(await store.projectRepositoryNames(project.id)).toEqual([`${project.name}/library/web`]);
    });

    it('moves links, manifests, referrers, tags and uploads; a pushed tag wins over a cached one', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('merge'), 'proxy', {});
      const from = await store.ensureRepository(project.id, `${project.name}/app`);
      const into = await store.ensureRepository(project.id, `${project.name}/library/app`);
      const shared = imageManifest(from.id, { source: 'cached', tags: ['cached-only'] });
      await store.putManifest(shared);
      await store.putManifest({ ...shared, repositoryId: into.id, tags: [] });
      const signature = imageManifest(from.id, { subject: shared.digest, artifactType: 'application/vnd.example.sig', source: 'local', tags: ['latest'] });
      await store.putManifest(signature);
      await store.putManifest({ ...imageManifest(into.id, { source: 'cached' }), tags: [] });
      const cachedLatest = imageManifest(into.id, { source: 'cached', tags: ['latest'] });
      await store.putManifest(cachedLatest);
      const blobA = { digest: sha256(unique('a')), size: 3 };
      const blobB = { digest: sha256(unique('b')), size: 4 };
      await store.linkBlob(from.id, blobA);
      await store.linkBlob(into.id, blobB);
      const upload = randomUUID();
      await store.createUpload(upload, from.id);

      expect(await store.mergeRepositoryInto(project.id, from.name, into.name)).toBe(true);

      expect(await store.getRepository(from.name)).toBeNull();
      expect(await store.getLinkedBlob(into.id, blobA.digest)).toEqual(blobA);
      expect(await store.getLinkedBlob(into.id, blobB.digest)).toEqual(blobB);
      expect((await store.getManifest(into.id, signature.digest))?.source).toBe('local');
      expect((await store.listReferrers(into.id, shared.digest)).map((row) => row.digest)).toEqual([signature.digest]);
      expect(await store.listTags(into.id, {})).toEqual(['cached-only', 'latest']);
      expect((await store.getTag(into.id, 'latest'))?.digest).toBe(signature.digest);
      expect((await store.getTag(into.id, 'cached-only'))?.digest).toBe(shared.digest);
      expect((await store.getUpload(upload))?.repositoryId).toBe(into.id);
    });

    it('refuses names outside the project, and says false for an unknown repository', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('merge'), 'proxy', {});
      const other = await store.ensureProject(unique('other'), 'proxy', {});
      await store.ensureRepository(project.id, `${project.name}/x`);
      await store.ensureRepository(other.id, `${other.name}/y`);
      expect(await store.mergeRepositoryInto(project.id, `${project.name}/absent`, `${project.name}/library/absent`)).toBe(false);
      expect(await store.mergeRepositoryInto(project.id, `${other.name}/y`, `${project.name}/y`)).toBe(false);
      await expect(store.mergeRepositoryInto(project.id, `${project.name}/x`, `${other.name}/y`)).rejects.toThrow(/another project/);
      expect(await store.getRepository(`${project.name}/x`)).not.toBeNull();
    });
  });
}
