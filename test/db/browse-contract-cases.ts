import { randomBytes } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import type { MetadataStore } from '@berth/db';
import { imageManifest, sha256 } from './fixtures.js';

/**
 * The admin API's browsing queries: a project's repositories with their numbers, tags with their
 * manifests, several manifests at once, deleting a repository (see metadata-store-contract.ts).
 */
export function registerBrowseCases(getStore: () => MetadataStore): void {
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

  describe('browsing', () => {
    it('browseRepositories counts tags and manifests, sums linked blobs, and reports push, cache and pull times', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('browse'), 'proxy', {});
      const app = await store.ensureRepository(project.id, `${project.name}/library/app`);
      const empty = await store.ensureRepository(project.id, `${project.name}/tools/empty`);
      const cached = imageManifest(app.id, { source: 'cached', tags: ['v1', 'latest'] });
      const pushed = imageManifest(app.id, { source: 'local', subject: cached.digest, artifactType: 'application/vnd.example.sig' });
      await store.putManifest(cached);
      await store.putManifest(pushed);
      await store.linkBlob(app.id, { digest: sha256(unique('a')), size: 1000 });
      await store.linkBlob(app.id, { digest: sha256(unique('b')), size: 24 });
      const pulledAt = new Date('2031-01-02T03:04:05.000Z');
      await store.recordManifestPulls([{ repositoryId: app.id, digest: cached.digest }], pulledAt);

      const rows = await store.browseRepositories(project.id, {});
      expect(rows.map((r) => r.name)).toEqual([app.name, empty.name]);
      const [first, second] = rows;
      expect(first).toMatchObject({ tagCount: 2, manifestCount: 2, sizeBytes: 1024 });
      expect(first!.lastPushedAt).toBeInstanceOf(Date);
      expect(first!.lastCachedAt).toBeInstanceOf(Date);
      expect(first!.lastPulledAt?.toISOString()).toBe(pulledAt.toISOString());
      expect(second).toMatchObject({ tagCount: 0, manifestCount: 0, sizeBytes: 0, lastPushedAt: null, lastCachedAt: null, lastPulledAt: null });

      expect((await store.browseRepositories(project.id, { contains: 'tools' })).map((r) => r.name)).toEqual([empty.name]);
      expect((await store.browseRepositories(project.id, { contains: '%' })).map((r) => r.name)).toEqual([]);
      expect((await store.browseRepositories(project.id, { limit: 1 })).map((r) => r.name)).toEqual([app.name]);
      expect((await store.browseRepositories(project.id, { after: app.name })).map((r) => r.name)).toEqual([empty.name]);
    });

    it('tagDetails joins each tag with its manifest, pages, and filters by digest', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('tags'), 'hosted', {});
      const repo = await store.ensureRepository(project.id, `${project.name}/web`);
      const one = imageManifest(repo.id, { tags: ['a', 'b'] });
      const two = imageManifest(repo.id, { source: 'local', tags: ['c'] });
      await store.putManifest(one);
      await store.putManifest(two);
      const all = await store.tagDetails(repo.id, {});
      expect(all.map((t) => [t.name, t.digest, t.source])).toEqual([['a', one.digest, 'local'], ['b', one.digest, 'local'], ['c', two.digest, 'local']]);
      expect(Buffer.from(all[0]!.content).equals(Buffer.from(one.content))).toBe(true);
      expect(all[0]!.size).toBe(one.content.byteLength);
      expect((await store.tagDetails(repo.id, { after: 'a', limit: 1 })).map((t) => t.name)).toEqual(['b']);
      expect((await store.tagDetails(repo.id, { digest: two.digest })).map((t) => t.name)).toEqual(['c']);
      const manifests = await store.getManifests(repo.id, [two.digest, sha256('absent'), one.digest]);
      expect(manifests.map((m) => m.digest).sort()).toEqual([one.digest, two.digest].sort());
      expect(await store.getManifests(repo.id, [])).toEqual([]);
    });

    it('deleteRepository removes the repository with its manifests, tags and links', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('delete'), 'hosted', {});
      const repo = await store.ensureRepository(project.id, `${project.name}/gone`);
      const manifest = imageManifest(repo.id, { tags: ['v1'] });
      await store.putManifest(manifest);
      await store.linkBlob(repo.id, { digest: sha256(unique('blob')), size: 5 });
      expect(await store.deleteRepository(repo.id)).toBe(true);
      expect(await store.getRepository(repo.name)).toBeNull();
      expect(await store.getManifest(repo.id, manifest.digest)).toBeNull();
      expect(await store.tagDetails(repo.id, {})).toEqual([]);
      expect(await store.deleteRepository(repo.id)).toBe(false);
      expect(await store.browseRepositories(project.id, {})).toEqual([]);
    });
  });
}
