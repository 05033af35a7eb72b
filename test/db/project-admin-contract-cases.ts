import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import { AlreadyExistsError, type MetadataStore } from '@berth/db';
import { IMAGE_INDEX, imageManifest, sha256 } from './fixtures.js';

/** Project administration cases of the MetadataStore contract: create, update, delete, stats, purge. */
export function registerProjectAdminCases(getStore: () => MetadataStore): void {
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
  const blob = (size: number) => ({ digest: sha256(randomBytes(16)), size });

  describe('project administration', () => {
    it('createProject refuses a taken name and leaves the existing project alone', async () => {
      const store = getStore();
      const name = unique('created');
      const created = await store.createProject(name, 'proxy', { upstream: 'https://up.test' }, { public: true });
      expect(created).toMatchObject({ name, kind: 'proxy', settings: { upstream: 'https://up.test' }, public: true });
      const duplicate = store.createProject(name, 'hosted', {}, { public: false });
      await expect(duplicate).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(duplicate).rejects.toThrow(`project ${name} already exists`);
      expect(await store.getProject(name)).toEqual(created);
    });

    it('upsertProject sets the public flag, false unless given; ensureProject creates private projects', async () => {
      const store = getStore();
      const name = unique('visible');
      expect((await store.ensureProject(unique('private'), 'hosted', {})).public).toBe(false);
      expect((await store.upsertProject(name, 'hosted', {}, { public: true })).public).toBe(true);
      expect(await store.getProject(name)).toMatchObject({ public: true });
      expect((await store.upsertProject(name, 'hosted', {})).public).toBe(false);
      expect((await store.upsertProject(name, 'hosted', {}, {})).public).toBe(false);
    });

    it('upsertProject makes a project configuration-owned; other creations are API-owned; updateProject hands it back', async () => {
      const store = getStore();
      expect((await store.ensureProject(unique('pushed'), 'hosted', {})).managedBy).toBe('api');
      const name = unique('owned');
      expect((await store.createProject(name, 'hosted', {}, { public: false })).managedBy).toBe('api');
      expect((await store.upsertProject(name, 'hosted', {})).managedBy).toBe('configuration');
      expect(await store.getProject(name)).toMatchObject({ managedBy: 'configuration' });
      expect((await store.updateProject(name, { public: true }))?.managedBy).toBe('configuration');
      expect((await store.updateProject(name, { managedBy: 'api' }))?.managedBy).toBe('api');
      expect((await store.listProjects()).find((row) => row.name === name)?.managedBy).toBe('api');
    });

    it('updateProject changes only what the patch names', async () => {
      const store = getStore();
      const name = unique('patched');
      const created = await store.createProject(name, 'proxy', { a: 1 }, { public: false });
      const madePublic = await store.updateProject(name, { public: true });
      expect(madePublic).toEqual({ ...created, public: true, updatedAt: expect.any(Date) });
      expect(madePublic!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      const resettled = await store.updateProject(name, { settings: { b: [2] } });
      expect(resettled).toMatchObject({ kind: 'proxy', settings: { b: [2] }, public: true });
      expect(await store.getProject(name)).toEqual(resettled);
      expect(await store.updateProject(unique('absent'), { public: true })).toBeNull();
    });

    it('deleteProject takes repositories, manifests, tags, links, uploads, members and robots with it', async () => {
      const store = getStore();
      const name = unique('doomed');
      const project = await store.createProject(name, 'hosted', {}, { public: false });
      const repo = await store.ensureRepository(project.id, `${name}/app`);
      const layer = blob(7);
      await store.linkBlob(repo.id, layer);
      const manifest = imageManifest(repo.id, { blobRefs: [layer.digest], tags: ['latest'] });
      await store.putManifest(manifest);
      const uploadId = randomUUID();
      await store.createUpload(uploadId, repo.id);
      const user = await store.accounts.createUser({ name: unique('member'), passwordHash: 'h', admin: false });
      await store.accounts.setMember(project.id, user.id, 'developer');
      await store.accounts.createRobot({ projectId: project.id, name: 'ci', description: '', secretHash: 's', permissions: ['pull'], expiresAt: null });

      expect(await store.deleteProject(name)).toBe(true);
      expect(await store.deleteProject(name)).toBe(false);
      expect(await store.getProject(name)).toBeNull();
      expect(await store.getRepository(repo.name)).toBeNull();
      expect(await store.getManifest(repo.id, manifest.digest)).toBeNull();
      expect(await store.getTag(repo.id, 'latest')).toBeNull();
      expect(await store.getLinkedBlob(repo.id, layer.digest)).toBeNull();
      expect(await store.getUpload(uploadId)).toBeNull();
      expect(await store.accounts.listUserMemberships(user.id)).toEqual([]);
      expect(await store.accounts.getRobot(name, 'ci')).toBeNull();
      expect(await store.getBlob(layer.digest)).toEqual(layer); // blob rows stay for GC

      const recreated = await store.createProject(name, 'hosted', {}, { public: false });
      expect(recreated.id).not.toBe(project.id);
      expect(await store.projectStats(recreated.id)).toEqual({ repositories: 0, manifests: 0, blobs: 0, blobBytes: 0, lastPulledAt: null });
    });

    it('projectStats counts repositories, manifests and distinct linked blobs with their size', async () => {
      const store = getStore();
      const name = unique('stats');
      const project = await store.ensureProject(name, 'hosted', {});
      const elsewhere = await store.ensureProject(unique('stats-other'), 'hosted', {});
      const [one, two] = [await store.ensureRepository(project.id, `${name}/one`), await store.ensureRepository(project.id, `${name}/two`)];
      const foreign = await store.ensureRepository(elsewhere.id, `${elsewhere.name}/x`);
      const shared = blob(10);
      const huge = blob(5 * 1024 ** 3 + 3); // beyond 32 bits
      await store.linkBlob(one.id, shared);
      await store.linkBlob(two.id, shared); // linked twice, counted once
      await store.linkBlob(two.id, huge);
      await store.linkBlob(foreign.id, blob(1000)); // another project's blob
      await store.putManifest(imageManifest(one.id));
      await store.putManifest(imageManifest(one.id));
      await store.putManifest(imageManifest(two.id));
      await store.putManifest(imageManifest(foreign.id));

      expect(await store.projectStats(project.id)).toEqual({
        repositories: 2,
        manifests: 3,
        blobs: 2,
        blobBytes: 10 + huge.size,
        lastPulledAt: null,
      });
      const absentId = (await store.listProjects()).reduce((max, p) => Math.max(max, p.id), 0) + 1000;
      await expect(store.projectStats(absentId)).rejects.toThrow(`no project with id ${absentId}`);
    });

    it('recordProjectPull only moves the last pull forward and leaves the project row alone', async () => {
      const store = getStore();
      const project = await store.ensureProject(unique('pulled'), 'hosted', {});
      const lastPull = async () => (await store.projectStats(project.id)).lastPulledAt;
      const t1 = new Date('2030-01-01T00:00:10.000Z');
      await store.recordProjectPull(project.id, t1);
      expect(await lastPull()).toEqual(t1);
      await store.recordProjectPull(project.id, new Date(t1.getTime() - 5000));
      expect(await lastPull()).toEqual(t1);
      const t2 = new Date(t1.getTime() + 1);
      await store.recordProjectPull(project.id, t2);
      expect(await lastPull()).toEqual(t2);
      expect(await store.getProject(project.name)).toEqual(project);
    });
  });

  describe('purgeCachedContent', () => {
    /** A proxy repository holding a cached image and index, a local referrer, and an orphan link (a local push in progress). */
    async function seed(store: MetadataStore, projectId: number, name: string) {
      const repo = await store.ensureRepository(projectId, name);
      const [shared, cachedOnly, localOnly, orphan] = [blob(1), blob(2), blob(3), blob(4)];
      for (const b of [shared, cachedOnly, localOnly, orphan]) await store.linkBlob(repo.id, b);
      const cached = imageManifest(repo.id, { source: 'cached', blobRefs: [shared.digest, cachedOnly.digest], tags: ['latest'] });
      const cachedIndex = imageManifest(repo.id, { source: 'cached', mediaType: IMAGE_INDEX, manifestRefs: [cached.digest], tags: ['multi'] });
      const local = imageManifest(repo.id, { source: 'local', subject: cached.digest, blobRefs: [shared.digest, localOnly.digest], tags: ['sig'] });
      for (const manifest of [cached, cachedIndex, local]) await store.putManifest(manifest);
      return { repo, shared, cachedOnly, localOnly, orphan, cached, cachedIndex, local };
    }

    it('removes cached manifests and the links only they needed, of one repository, then of the whole project', async () => {
      const store = getStore();
      const name = unique('purge');
      const project = await store.ensureProject(name, 'proxy', {});
      const first = await seed(store, project.id, `${name}/first`);
      const second = await seed(store, project.id, `${name}/second`);
      const other = await store.ensureProject(unique('purge-other'), 'proxy', {});
      const outside = await seed(store, other.id, `${other.name}/app`);

      expect(await store.purgeCachedContent(project.id, first.repo.name)).toEqual({ manifests: 2, blobLinks: 1 });
      expect(await store.getManifest(first.repo.id, first.cached.digest)).toBeNull();
      expect(await store.getManifest(first.repo.id, first.cachedIndex.digest)).toBeNull();
      expect(await store.listTags(first.repo.id, {})).toEqual(['sig']);
      expect((await store.getManifest(first.repo.id, first.local.digest))?.source).toBe('local');
      const linked = [first.shared, first.cachedOnly, first.localOnly, first.orphan].map((b) => b.digest);
      expect(await store.missingBlobs(first.repo.id, linked)).toEqual([first.cachedOnly.digest]);
      expect(await store.getBlob(first.cachedOnly.digest)).toEqual(first.cachedOnly); // the row stays for GC
      expect(await store.listTags(second.repo.id, {})).toEqual(['latest', 'multi', 'sig']); // other repository untouched

      // A repository of another project is out of scope.
      expect(await store.purgeCachedContent(project.id, outside.repo.name)).toEqual({ manifests: 0, blobLinks: 0 });
      expect(await store.listTags(outside.repo.id, {})).toEqual(['latest', 'multi', 'sig']);

      expect(await store.purgeCachedContent(project.id)).toEqual({ manifests: 2, blobLinks: 1 });
      expect(await store.listTags(second.repo.id, {})).toEqual(['sig']);
      expect(await store.missingBlobs(second.repo.id, [second.shared.digest, second.localOnly.digest, second.orphan.digest])).toEqual([]);
      expect(await store.purgeCachedContent(project.id)).toEqual({ manifests: 0, blobLinks: 0 });

      expect(await store.projectStats(other.id)).toMatchObject({ manifests: 3, blobs: 4 });
      expect(await store.projectStats(project.id)).toMatchObject({ repositories: 2, manifests: 2, blobs: 6 });
    });
  });
}
