import { randomBytes } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import type { ManifestRow, MetadataStore } from '@berth/db';
import { IMAGE_INDEX, byteOrder, freshRepository, imageManifest, manifestWithBytes, sha256 } from './fixtures.js';

/** Manifest, tag and referrer cases of the MetadataStore contract (see metadata-store-contract.ts). */
export function registerManifestCases(getStore: () => MetadataStore): void {
  describe('manifests and tags', () => {
    it('stores and returns the exact bytes, including non-UTF-8 and > 1 MiB content', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'bytes');
      const binary = new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x7b, 0x00, 0x0a, 0xed, 0xa0, 0x80]);
      const large = new Uint8Array(randomBytes(1024 * 1024 + 12345));
      for (const content of [binary, large]) {
        const manifest = manifestWithBytes(repo.id, content);
        await store.putManifest(manifest);
        const row = await store.getManifest(repo.id, manifest.digest);
        expect(row?.content.constructor).toBe(Uint8Array);
        expect(row?.content.byteLength).toBe(content.byteLength);
        expect(sha256(row?.content ?? new Uint8Array())).toBe(manifest.digest);
        expect(Buffer.from(row?.content ?? []).equals(Buffer.from(content))).toBe(true);
        expect(row?.size).toBe(content.byteLength);
      }
    });

    it('round-trips every field and keeps the first copy when the same digest is put again', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'fields');
      const subject = sha256('subject');
      const manifest = imageManifest(repo.id, {
        subject,
        artifactType: 'application/vnd.example.sbom',
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', note: 'ünïcødé' },
        source: 'cached',
        blobRefs: [sha256('config'), sha256('layer'), sha256('layer')],
        tags: ['v1'],
      });
      await store.putManifest(manifest);
      const stored = await store.getManifest(repo.id, manifest.digest);
      const expected: Omit<ManifestRow, 'createdAt'> = {
        repositoryId: repo.id,
        digest: manifest.digest,
        mediaType: manifest.mediaType,
        size: manifest.content.byteLength,
        content: manifest.content,
        subject,
        artifactType: 'application/vnd.example.sbom',
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', note: 'ünïcødé' },
        configMediaType: 'application/vnd.oci.image.config.v1+json',
        source: 'cached',
      };
      expect(stored).toEqual({ ...expected, createdAt: expect.any(Date) });

      await store.putManifest({ ...manifest, source: 'local', annotations: null, blobRefs: [sha256('x')], tags: ['v2'] });
      expect(await store.getManifest(repo.id, manifest.digest)).toEqual(stored);
      expect(await store.listTags(repo.id, {})).toEqual(['v1', 'v2']);
      expect(await store.getManifest(repo.id, sha256('absent'))).toBeNull();
      expect(await store.missingManifests(repo.id, [sha256('absent'), manifest.digest])).toEqual([sha256('absent')]);
    });

    it('moves a tag when another manifest is put with it', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'retag');
      const a = imageManifest(repo.id, { tags: ['latest', 'a'] });
      const b = imageManifest(repo.id, { tags: ['latest'] });
      await store.putManifest(a);
      expect((await store.getManifestByTag(repo.id, 'latest'))?.digest).toBe(a.digest);
      await store.putManifest(b);
      expect((await store.getManifestByTag(repo.id, 'latest'))?.digest).toBe(b.digest);
      expect((await store.getManifestByTag(repo.id, 'a'))?.digest).toBe(a.digest);
      expect(await store.listTags(repo.id, {})).toEqual(['a', 'latest']);
      expect(await store.getManifestByTag(repo.id, 'nope')).toBeNull();
    });

    it('records where a tag came from and when the upstream last confirmed it', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'tag-source');
      const local = imageManifest(repo.id, { tags: ['mine'] });
      const cached = imageManifest(repo.id, { source: 'cached', tags: ['upstream'] });
      const before = Date.now() - 1000;
      await store.putManifest(local);
      await store.putManifest(cached);
      expect(await store.getTag(repo.id, 'mine')).toEqual({ name: 'mine', digest: local.digest, source: 'local', checkedAt: null });
      const first = await store.getTag(repo.id, 'upstream');
      expect(first).toEqual({ name: 'upstream', digest: cached.digest, source: 'cached', checkedAt: expect.any(Date) });
      expect(first?.checkedAt?.getTime()).toBeGreaterThanOrEqual(before);
      expect(await store.getTag(repo.id, 'absent')).toBeNull();

      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.markTagChecked(repo.id, 'upstream', cached.digest)).toBe(true);
      const second = await store.getTag(repo.id, 'upstream');
      expect(second?.checkedAt?.getTime()).toBeGreaterThan(first?.checkedAt?.getTime() ?? Infinity);
      // The tag moved meanwhile: the check is about another digest and changes nothing.
      expect(await store.markTagChecked(repo.id, 'upstream', local.digest)).toBe(false);
      expect(await store.getTag(repo.id, 'upstream')).toEqual(second);
    });

    it('two concurrent puts with the same tags: both manifests exist, the tags agree on one', async () => {
      const store = getStore();
      for (let round = 0; round < 5; round++) {
        const repo = await freshRepository(store, 'race');
        const a = imageManifest(repo.id, { tags: ['latest', 'stable'], blobRefs: [sha256('l1')] });
        const b = imageManifest(repo.id, { tags: ['stable', 'latest'], blobRefs: [sha256('l2')] });
        await Promise.all([store.putManifest(a), store.putManifest(b)]);
        expect(await store.missingManifests(repo.id, [a.digest, b.digest])).toEqual([]);
        const latest = (await store.getManifestByTag(repo.id, 'latest'))?.digest;
        const stable = (await store.getManifestByTag(repo.id, 'stable'))?.digest;
        expect([a.digest, b.digest]).toContain(latest);
        expect(stable).toBe(latest);
      }
    });

    it('many concurrent puts sharing tags in different orders neither deadlock nor split the tags', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'herd');
      const tagNames = ['t1', 't2', 't3', 't4', 't5', 't6'];
      const puts = Array.from({ length: 12 }, (_, i) =>
        imageManifest(repo.id, { tags: i % 2 === 0 ? tagNames : [...tagNames].reverse() }),
      );
      await Promise.all(puts.map((manifest) => store.putManifest(manifest)));
      expect(await store.missingManifests(repo.id, puts.map((m) => m.digest))).toEqual([]);
      const targets = await Promise.all(tagNames.map((tag) => store.getManifestByTag(repo.id, tag)));
      const digests = new Set(targets.map((row) => row?.digest));
      expect(digests.size).toBe(1);
      expect(puts.map((m) => m.digest)).toContain([...digests][0]);
    });

    it('concurrent puts of the same digest are idempotent', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'same');
      const manifest = imageManifest(repo.id, { blobRefs: [sha256('c'), sha256('l')], tags: ['x'] });
      await Promise.all(Array.from({ length: 5 }, () => store.putManifest(manifest)));
      expect((await store.getManifestByTag(repo.id, 'x'))?.content).toEqual(manifest.content);
    });

    it('deleteManifest removes the manifest, its tags and references; other tags stay', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'delete');
      const child = imageManifest(repo.id, { tags: ['child'] });
      const index = imageManifest(repo.id, {
        mediaType: IMAGE_INDEX,
        configMediaType: null,
        manifestRefs: [child.digest, sha256('not-yet-fetched')],
        blobRefs: [],
        tags: ['t1', 't2'],
      });
      await store.putManifest(child);
      await store.putManifest(index);
      expect(await store.deleteManifest(repo.id, index.digest)).toBe(true);
      expect(await store.getManifest(repo.id, index.digest)).toBeNull();
      expect(await store.getManifestByTag(repo.id, 't1')).toBeNull();
      expect(await store.listTags(repo.id, {})).toEqual(['child']);
      expect(await store.deleteManifest(repo.id, index.digest)).toBe(false);
      // The deleted digest can be stored again from scratch.
      await store.putManifest({ ...index, tags: ['t1'] });
      expect((await store.getManifestByTag(repo.id, 't1'))?.digest).toBe(index.digest);
    });

    it('a put racing a delete of the same manifest leaves a consistent state', async () => {
      const store = getStore();
      for (let round = 0; round < 10; round++) {
        const repo = await freshRepository(store, 'put-delete');
        const manifest = imageManifest(repo.id, { blobRefs: [sha256('layer')], manifestRefs: [sha256('m')], tags: ['t'] });
        await store.putManifest(manifest);
        await Promise.all([
          store.putManifest(manifest),
          store.deleteManifest(repo.id, manifest.digest),
          store.putManifest(manifest),
          store.deleteManifest(repo.id, manifest.digest),
          store.putManifest(manifest),
        ]);
        const stored = await store.getManifest(repo.id, manifest.digest);
        const tagged = await store.getManifestByTag(repo.id, 't');
        expect(tagged?.digest ?? null).toBe(stored?.digest ?? null);
      }
    });

    it('deleteTag removes only the tag', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'untag');
      const manifest = imageManifest(repo.id, { tags: ['keep', 'drop'] });
      await store.putManifest(manifest);
      expect(await store.deleteTag(repo.id, 'drop')).toBe(true);
      expect(await store.deleteTag(repo.id, 'drop')).toBe(false);
      expect(await store.listTags(repo.id, {})).toEqual(['keep']);
      expect((await store.getManifest(repo.id, manifest.digest))?.digest).toBe(manifest.digest);
    });

    it('listTags pages in byte-wise lexical order', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'tags');
      const names = ['v1_0', 'latest', 'v1.0', 'Latest', 'v1-0', 'v10', 'v2', 'V1'];
      await store.putManifest(imageManifest(repo.id, { tags: names.slice(0, 4) }));
      await store.putManifest(imageManifest(repo.id, { tags: names.slice(4) }));
      const expected = [...names].sort(byteOrder);
      expect(await store.listTags(repo.id, {})).toEqual(expected);
      const first = await store.listTags(repo.id, { limit: 3 });
      expect(first).toEqual(expected.slice(0, 3));
      const second = await store.listTags(repo.id, { limit: 3, after: first[2] });
      expect(second).toEqual(expected.slice(3, 6));
      expect(await store.listTags(repo.id, { after: second[2] })).toEqual(expected.slice(6));
      expect(await store.listTags(repo.id, { after: expected[7] })).toEqual([]);
      expect(await store.listTags(repo.id, { after: 'v1.' })).toEqual(expected.filter((t) => t > 'v1.'));
    });
  });

  describe('referrers and summaries', () => {
    it('listReferrers returns the repository manifests with that subject, ordered by digest', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'referrers');
      const otherRepo = await freshRepository(store, 'referrers-other');
      const subject = imageManifest(repo.id);
      await store.putManifest(subject);
      const referrers = Array.from({ length: 4 }, (_, i) =>
        imageManifest(repo.id, {
          subject: subject.digest,
          artifactType: i % 2 === 0 ? 'application/vnd.example.sig' : null,
          annotations: { index: String(i) },
        }),
      );
      for (const referrer of referrers) await store.putManifest(referrer);
      await store.putManifest(imageManifest(repo.id, { subject: sha256('another subject') }));
      await store.putManifest(imageManifest(otherRepo.id, { subject: subject.digest }));

      const listed = await store.listReferrers(repo.id, subject.digest);
      expect(listed.map((row) => row.digest)).toEqual(referrers.map((r) => r.digest).sort(byteOrder));
      for (const row of listed) {
        expect(row).not.toHaveProperty('content');
        const source = referrers.find((r) => r.digest === row.digest);
        expect(row).toMatchObject({
          repositoryId: repo.id,
          subject: subject.digest,
          artifactType: source?.artifactType,
          annotations: source?.annotations,
          mediaType: source?.mediaType,
          size: source?.content.byteLength,
        });
      }
      expect(await store.listReferrers(repo.id, sha256('nothing refers to this'))).toEqual([]);
    });

    it('getManifestSummaries returns those that exist, without content', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'summaries');
      const a = imageManifest(repo.id, { artifactType: 'application/vnd.example.a' });
      const b = imageManifest(repo.id);
      await store.putManifest(a);
      await store.putManifest(b);
      const summaries = await store.getManifestSummaries(repo.id, [b.digest, sha256('missing'), a.digest, a.digest]);
      expect(summaries.map((s) => s.digest).sort(byteOrder)).toEqual([a.digest, b.digest].sort(byteOrder));
      for (const summary of summaries) expect(summary).not.toHaveProperty('content');
      expect(summaries.find((s) => s.digest === a.digest)).toMatchObject({
        artifactType: 'application/vnd.example.a',
        size: a.content.byteLength,
        source: 'local',
        createdAt: expect.any(Date),
      });
      expect(await store.getManifestSummaries(repo.id, [])).toEqual([]);
    });

    it('listParentIndexes names, by repository name, the indexes of that repository listing a child, ordered', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'parents');
      const otherRepo = await freshRepository(store, 'parents-other');
      const child = imageManifest(repo.id);
      await store.putManifest(child);
      const indexes = Array.from({ length: 3 }, () => imageManifest(repo.id, { mediaType: IMAGE_INDEX, manifestRefs: [child.digest] }));
      for (const index of indexes) await store.putManifest(index);
      // Not parents: an index listing another child, and an index in another repository listing this digest.
      await store.putManifest(imageManifest(repo.id, { mediaType: IMAGE_INDEX, manifestRefs: [sha256('another child')] }));
      await store.putManifest(imageManifest(otherRepo.id, { mediaType: IMAGE_INDEX, manifestRefs: [child.digest] }));

      expect(await store.listParentIndexes(repo.name, child.digest)).toEqual(indexes.map((index) => index.digest).sort(byteOrder));
      expect(await store.listParentIndexes(repo.name, sha256('listed by nothing'))).toEqual([]);
      expect(await store.listParentIndexes(`${repo.name}-absent`, child.digest)).toEqual([]);
      await store.deleteManifest(repo.id, indexes[0]!.digest);
      expect(await store.listParentIndexes(repo.name, child.digest)).toEqual(indexes.slice(1).map((index) => index.digest).sort(byteOrder));
    });
  });
}
