import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { MetadataStore } from '@berth/db';
import { byteOrder, freshRepository, sha256 } from './fixtures.js';
import { registerAccountCases } from './account-contract-cases.js';
import { registerBrowseCases } from './browse-contract-cases.js';
import { registerLifecycleCases } from './lifecycle-contract-cases.js';
import { registerManifestCases } from './manifest-contract-cases.js';
import { registerMergeRepositoryCases } from './merge-repository-contract-cases.js';
import { registerMigrationCases } from './migration-contract-cases.js';
import { registerProjectAdminCases } from './project-admin-contract-cases.js';

/**
 * The one suite every MetadataStore driver must pass. `open` is called once for the whole suite
 * (PGlite startup is slow), so every case works in its own project or repository.
 */
export function describeMetadataStoreContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    const getStore = () => store;

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('projects', () => {
      it('ensureProject creates once and never changes an existing project', async () => {
        const name = `proj-${randomBytes(4).toString('hex')}`;
        expect(await store.getProject(name)).toBeNull();
        const created = await store.ensureProject(name, 'proxy', { upstream: 'https://registry-1.docker.io' });
        expect(created).toMatchObject({ name, kind: 'proxy', settings: { upstream: 'https://registry-1.docker.io' } });
        expect(created.createdAt).toBeInstanceOf(Date);
        const again = await store.ensureProject(name, 'hosted', { other: true });
        expect(again).toEqual(created);
        expect(await store.getProject(name)).toEqual(created);
      });

      it('20 concurrent ensureProject calls yield one row', async () => {
        const name = `race-${randomBytes(4).toString('hex')}`;
        const rows = await Promise.all(
          Array.from({ length: 20 }, () => store.ensureProject(name, 'hosted', { n: 1 })),
        );
        expect(new Set(rows.map((row) => row.id)).size).toBe(1);
        const listed = (await store.listProjects()).filter((project) => project.name === name);
        expect(listed).toHaveLength(1);
      });

      it('upsertProject replaces kind and settings of an existing project', async () => {
        const name = `upsert-${randomBytes(4).toString('hex')}`;
        const first = await store.upsertProject(name, 'hosted', { a: 1 });
        const second = await store.upsertProject(name, 'proxy', { b: { nested: [1, 2] } });
        expect(second.id).toBe(first.id);
        expect(second).toMatchObject({ kind: 'proxy', settings: { b: { nested: [1, 2] } } });
        expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
        expect(await store.getProject(name)).toEqual(second);
      });

      it('listProjects is in name order', async () => {
        const prefix = `order-${randomBytes(4).toString('hex')}`;
        for (const suffix of ['b', 'a', 'c']) await store.ensureProject(`${prefix}-${suffix}`, 'hosted', {});
        const names = (await store.listProjects()).map((project) => project.name);
        expect(names.filter((n) => n.startsWith(prefix))).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
        expect(names).toEqual([...names].sort(byteOrder));
      });
    });

    describe('repositories', () => {
      it('ensureRepository is idempotent and concurrent-safe', async () => {
        const project = await store.ensureProject('repos', 'hosted', {});
        const name = `repos/app-${randomBytes(4).toString('hex')}`;
        expect(await store.getRepository(name)).toBeNull();
        const rows = await Promise.all(Array.from({ length: 20 }, () => store.ensureRepository(project.id, name)));
        expect(new Set(rows.map((row) => row.id)).size).toBe(1);
        expect(rows[0]).toMatchObject({ projectId: project.id, name });
        expect(rows[0]?.createdAt).toBeInstanceOf(Date);
        expect(await store.getRepository(name)).toEqual(rows[0]);
      });

      it('listRepositories pages in byte-wise lexical order', async () => {
        const project = await store.ensureProject('catalog', 'hosted', {});
        const prefix = `catalog/${randomBytes(4).toString('hex')}`;
        // '-' < '.' < '/' < '_' < 'b' byte-wise; locale collations would order these differently.
        const names = ['ab', 'a_b', 'a/b', 'a.b', 'a-b', 'A'].map((suffix) => `${prefix}/${suffix}`);
        for (const name of names) await store.ensureRepository(project.id, name);
        const expected = [...names].sort(byteOrder);

        const all = await store.listRepositories({});
        expect(all).toEqual([...all].sort(byteOrder));
        expect(all.filter((name) => name.startsWith(`${prefix}/`))).toEqual(expected);

        const first = await store.listRepositories({ after: `${prefix}/`, limit: 2 });
        expect(first).toEqual(expected.slice(0, 2));
        const second = await store.listRepositories({ after: first[1], limit: 3 });
        expect(second).toEqual(expected.slice(2, 5));
        const rest = await store.listRepositories({ after: second[2], limit: 1000 });
        expect(rest.filter((name) => name.startsWith(`${prefix}/`))).toEqual(expected.slice(5));
        expect(await store.listRepositories({ limit: 0 })).toEqual([]);
      });
    });

    describe('blobs', () => {
      it('links, finds, reports missing and unlinks', async () => {
        const repo = await freshRepository(store, 'blobs');
        const other = await freshRepository(store, 'blobs-other');
        const a = { digest: sha256(randomBytes(16)), size: 16 };
        const big = { digest: sha256(randomBytes(16)), size: 5 * 1024 ** 3 + 7 }; // beyond 32 bits
        const absent = sha256(randomBytes(16));

        expect(await store.getBlob(a.digest)).toBeNull();
        await store.linkBlob(repo.id, a);
        await store.linkBlob(repo.id, a); // idempotent
        await store.linkBlob(repo.id, big);
        await Promise.all([store.linkBlob(other.id, a), store.linkBlob(other.id, a)]);

        expect(await store.getLinkedBlob(repo.id, a.digest)).toEqual(a);
        expect(await store.getLinkedBlob(repo.id, big.digest)).toEqual(big);
        expect(await store.getLinkedBlob(other.id, big.digest)).toBeNull();
        expect(await store.getBlob(big.digest)).toEqual(big);
        expect(await store.missingBlobs(repo.id, [absent, a.digest, big.digest, absent])).toEqual([absent]);
        expect(await store.missingBlobs(other.id, [big.digest, a.digest])).toEqual([big.digest]);
        expect(await store.missingBlobs(repo.id, [])).toEqual([]);

        expect(await store.unlinkBlob(repo.id, a.digest)).toBe(true);
        expect(await store.unlinkBlob(repo.id, a.digest)).toBe(false);
        expect(await store.getLinkedBlob(repo.id, a.digest)).toBeNull();
        expect(await store.getLinkedBlob(other.id, a.digest)).toEqual(a);
        expect(await store.getBlob(a.digest)).toEqual(a); // the blob row stays for GC
        expect(await store.missingBlobs(repo.id, [a.digest, big.digest])).toEqual([a.digest]);
      });
    });

    registerProjectAdminCases(getStore);
    registerManifestCases(getStore);
    registerMergeRepositoryCases(getStore);
    registerBrowseCases(getStore);

    describe('uploads', () => {
      it('creates, advances through claims, and deletes', async () => {
        const repo = await freshRepository(store, 'uploads');
        const id = randomUUID();
        expect(await store.getUpload(id)).toBeNull();
        const created = await store.createUpload(id, repo.id);
        expect(created).toMatchObject({ id, repositoryId: repo.id, offset: 0 });
        expect(created.createdAt).toBeInstanceOf(Date);

        expect(await store.claimUpload(id, 100, 60_000)).toBeNull(); // not its offset
        const claim = await store.claimUpload(id, 0, 60_000);
        expect(claim).toMatchObject({ id, offset: 0 });
        expect(await store.claimUpload(id, 0, 60_000)).toBeNull(); // held
        expect(await store.releaseUploadClaim(claim!, 100)).toBeInstanceOf(Date);
        expect(await store.releaseUploadClaim(claim!, 200)).toBeNull(); // released already
        expect((await store.getUpload(id))?.offset).toBe(100);

        const big = 6 * 1024 ** 3;
        const second = await store.claimUpload(id, 100, 60_000);
        const renewed = await store.renewUploadClaim(second!, 120_000);
        expect(renewed!.until.getTime()).toBeGreaterThan(second!.until.getTime());
        expect(await store.releaseUploadClaim(second!, big)).toBeNull(); // the renewal replaced its token
        expect(await store.releaseUploadClaim(renewed!, big)).toBeInstanceOf(Date);
        const advanced = await store.getUpload(id);
        expect(advanced?.offset).toBe(big);
        expect(advanced?.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

        expect(await store.claimUpload(randomUUID(), 0, 60_000)).toBeNull();
        expect(await store.deleteUpload(id)).toBe(true);
        expect(await store.deleteUpload(id)).toBe(false);
        expect(await store.getUpload(id)).toBeNull();
        expect(await store.renewUploadClaim(renewed!, 60_000)).toBeNull();
      });

      it('lets exactly one of many racing writers claim a session at the same offset', async () => {
        const repo = await freshRepository(store, 'uploads-race');
        const id = randomUUID();
        await store.createUpload(id, repo.id);
        const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimUpload(id, 0, 60_000)));
        const won = claims.filter((claim) => claim !== null);
        expect(won).toHaveLength(1);
        expect(await store.releaseUploadClaim(won[0]!, 1000)).toBeInstanceOf(Date);
        expect((await store.getUpload(id))?.offset).toBe(1000);
      });

      it('lets a claim that was not renewed lapse: another writer takes the session, the old holder is out', async () => {
        const repo = await freshRepository(store, 'uploads-lapse');
        const id = randomUUID();
        await store.createUpload(id, repo.id);
        const crashed = await store.claimUpload(id, 0, 1);
        expect(crashed).not.toBeNull();
        // Database time decides when it lapsed; wait for that, however long it takes.
        let taken = await store.claimUpload(id, 0, 60_000);
        while (taken === null) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          taken = await store.claimUpload(id, 0, 60_000);
        }
        expect(taken.until.getTime()).toBeGreaterThan(crashed!.until.getTime());
        expect(await store.renewUploadClaim(crashed!, 60_000)).toBeNull();
        expect(await store.releaseUploadClaim(crashed!, 5)).toBeNull();
        expect(await store.releaseUploadClaim(taken, 7)).toBeInstanceOf(Date);
        expect((await store.getUpload(id))?.offset).toBe(7);
      });

      it('claims with unchangedSince only while the row still carries that mark', async () => {
        const repo = await freshRepository(store, 'uploads-mark');
        const id = randomUUID();
        const created = await store.createUpload(id, repo.id);
        const first = await store.claimUpload(id, 0, 60_000, created.updatedAt);
        expect(first).not.toBeNull();
        const mark = await store.releaseUploadClaim(first!, 10);
        expect(mark).toBeInstanceOf(Date);
        const second = await store.claimUpload(id, 10, 60_000, mark!);
        expect(second).not.toBeNull();
        const secondMark = await store.releaseUploadClaim(second!, 10);
        // Another writer claimed since, its claim lapsed mid-chunk, and a third writer took over:
        // the row went past the mark, so a claim with it is refused even though the offset stayed.
        const lapsed = await store.claimUpload(id, 10, 1);
        expect(lapsed).not.toBeNull();
        let taken = await store.claimUpload(id, 10, 60_000);
        while (taken === null) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          taken = await store.claimUpload(id, 10, 60_000);
        }
        expect(await store.releaseUploadClaim(taken, 10)).toBeInstanceOf(Date);
        expect(await store.claimUpload(id, 10, 60_000, secondMark!)).toBeNull();
        expect(await store.claimUpload(id, 10, 60_000)).not.toBeNull(); // without a mark it is free
      });
    });

    registerAccountCases(getStore);
    registerLifecycleCases(getStore);
    registerMigrationCases(getStore);
  });
}
