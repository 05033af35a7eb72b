import { randomBytes } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import type { MetadataStore, NewManifest, RepositoryRow } from '@berth/db';
import { IMAGE_INDEX, imageManifest, sha256 } from './fixtures.js';
import { registerBlobGcCases } from './blob-gc-contract-cases.js';

/** Cache lifecycle cases of the MetadataStore contract: pulls, cached images, eviction; then GC and stale uploads. */
export function registerLifecycleCases(getStore: () => MetadataStore): void {
  const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
  const blob = () => ({ digest: sha256(randomBytes(16)), size: 10 });
  const cached = (repositoryId: number, overrides: Partial<NewManifest> = {}) =>
    imageManifest(repositoryId, { source: 'cached', ...overrides });
  const index = (repositoryId: number, children: NewManifest[], overrides: Partial<NewManifest> = {}) =>
    cached(repositoryId, { mediaType: IMAGE_INDEX, configMediaType: null, manifestRefs: children.map((c) => c.digest), ...overrides });
  const at = (day: number) => new Date(Date.UTC(2031, 0, day, 12, 0, 0, 250));

  async function proxyProject(store: MetadataStore, label: string, repositoryCount = 1) {
    const project = await store.ensureProject(unique(label), 'proxy', {});
    const repos: RepositoryRow[] = [];
    for (let i = 0; i < repositoryCount; i++) repos.push(await store.ensureRepository(project.id, `${project.name}/app${i}`));
    return { project, repos };
  }
  async function put(store: MetadataStore, ...manifests: NewManifest[]) {
    for (const manifest of manifests) await store.putManifest(manifest);
  }

  describe('cache lifecycle', () => {
    it('recordManifestPulls moves times forward only, ignores unknown digests and empty lists', async () => {
      const store = getStore();
      const { project, repos: [repo] } = await proxyProject(store, 'pulls');
      const image = cached(repo!.id);
      await put(store, image);
      const lastUsed = async () => (await store.listCachedImages(project.id, { limit: 10 }))[0]?.lastUsedAt;
      expect(await lastUsed()).toEqual((await store.getManifest(repo!.id, image.digest))?.createdAt);

      await store.recordManifestPulls([{ repositoryId: repo!.id, digest: image.digest }], at(5));
      expect(await lastUsed()).toEqual(at(5));
      await store.recordManifestPulls([{ repositoryId: repo!.id, digest: image.digest }], at(3));
      expect(await lastUsed()).toEqual(at(5));
      const pull = { repositoryId: repo!.id, digest: image.digest };
      await store.recordManifestPulls([{ repositoryId: repo!.id, digest: sha256('unknown') }, pull, pull], at(7));
      expect(await lastUsed()).toEqual(at(7));
      await store.recordManifestPulls([], at(9));
      expect(await lastUsed()).toEqual(at(7));
    });

    it('listCachedImages lists image roots least recently used first; an index is as recent as its children', async () => {
      const store = getStore();
      const { project, repos: [first, second] } = await proxyProject(store, 'images', 2);
      const neverPulled = cached(first!.id);
      const image = cached(first!.id);
      const [childA, childB] = [cached(first!.id), cached(first!.id)];
      const multi = index(first!.id, [childA, childB], { tags: ['multi'] });
      const signature = cached(first!.id, { subject: image.digest });
      const local = imageManifest(first!.id, { source: 'local' });
      const localReferrer = imageManifest(first!.id, { source: 'local', subject: image.digest });
      const [tieFirst, tieSecond] = [cached(first!.id), cached(first!.id)].sort((a, b) => (a.digest < b.digest ? -1 : 1));
      const elsewhere = cached(second!.id);
      const tieOther = cached(second!.id);
      await put(store, neverPulled, image, childA, childB, multi, signature, local, localReferrer, tieFirst!, tieSecond!, elsewhere, tieOther);
      const outside = await proxyProject(store, 'images-outside');
      await put(store, cached(outside.repos[0]!.id));

      const pull = (repo: RepositoryRow, manifest: NewManifest) => ({ repositoryId: repo.id, digest: manifest.digest });
      await store.recordManifestPulls([pull(first!, image), pull(first!, local), pull(first!, signature)], at(1));
      await store.recordManifestPulls([pull(first!, childA)], at(2));
      await store.recordManifestPulls([pull(second!, elsewhere)], at(3));
      await store.recordManifestPulls([pull(second!, tieOther), pull(first!, tieSecond!), pull(first!, tieFirst!)], at(4));

      const listed = await store.listCachedImages(project.id, { limit: 100 });
      expect(listed.map((row) => row.digest)).toEqual(
        [neverPulled, image, multi, elsewhere, tieFirst!, tieSecond!, tieOther].map((m) => m.digest),
      );
      expect(listed[0]).toEqual({
        repositoryId: first!.id,
        repository: first!.name,
        digest: neverPulled.digest,
        lastUsedAt: (await store.getManifest(first!.id, neverPulled.digest))?.createdAt,
      });
      expect(listed.slice(1, 4).map((row) => row.lastUsedAt)).toEqual([at(1), at(2), at(3)]);
      expect(listed[3]).toMatchObject({ repositoryId: second!.id, repository: second!.name });

      // Pulling a child of the index makes the index the most recently used image.
      await store.recordManifestPulls([pull(first!, childB)], at(6));
      const after = await store.listCachedImages(project.id, { limit: 100 });
      expect(after.at(-1)).toMatchObject({ digest: multi.digest, lastUsedAt: at(6) });
      expect((await store.listCachedImages(project.id, { limit: 2 })).map((row) => row.digest)).toEqual([neverPulled.digest, image.digest]);
      const before = await store.listCachedImages(project.id, { limit: 100, usedBefore: at(3) });
      expect(before.map((row) => row.digest)).toEqual([neverPulled.digest, image.digest]);
      expect(await store.listCachedImages(project.id, { limit: 100, usedBefore: new Date(0) })).toEqual([]);
    });

    it('evictCachedImage unlinks only the blobs no remaining manifest of the repository references', async () => {
      const store = getStore();
      const { repos: [repo, other] } = await proxyProject(store, 'evict', 2);
      const [configA, layerA, configB, layerB, shared] = [blob(), blob(), blob(), blob(), blob()];
      for (const b of [configA, layerA, configB, layerB, shared]) await store.linkBlob(repo!.id, b);
      for (const b of [layerA, shared]) await store.linkBlob(other!.id, b);
      const imageA = cached(repo!.id, { blobRefs: [configA.digest, layerA.digest, shared.digest], tags: ['a'] });
      const imageB = cached(repo!.id, { blobRefs: [configB.digest, layerB.digest, shared.digest], tags: ['b'] });
      const local = imageManifest(repo!.id, { source: 'local', tags: ['mine'] });
      await put(store, imageA, imageB, local);

      expect(await store.evictCachedImage(repo!.id, imageA.digest)).toEqual({ manifests: 1, blobLinks: 2 });
      expect(await store.getManifest(repo!.id, imageA.digest)).toBeNull();
      expect(await store.getTag(repo!.id, 'a')).toBeNull();
      expect(await store.getTag(repo!.id, 'b')).toMatchObject({ digest: imageB.digest });
      expect(await store.missingBlobs(repo!.id, [configA, layerA, configB, layerB, shared].map((b) => b.digest))).toEqual([configA.digest, layerA.digest]);
      expect(await store.missingBlobs(other!.id, [layerA.digest, shared.digest])).toEqual([]); // links are per repository
      expect(await store.getBlob(layerA.digest)).toEqual(layerA); // the row stays for GC

      const nothing = { manifests: 0, blobLinks: 0 };
      expect(await store.evictCachedImage(repo!.id, imageA.digest)).toEqual(nothing);
      expect(await store.evictCachedImage(repo!.id, sha256('absent'))).toEqual(nothing);
      expect(await store.evictCachedImage(repo!.id, local.digest)).toEqual(nothing);
      expect(await store.getTag(repo!.id, 'mine')).toMatchObject({ digest: local.digest });
    });

    it('unlinkOrphanBlobs removes the project\'s old links no manifest of their repository references', async () => {
      const store = getStore();
      const { project, repos: [repo, other] } = await proxyProject(store, 'orphans', 2);
      const elsewhere = await proxyProject(store, 'orphans-elsewhere');
      const [referenced, orphan, orphanOther, foreign] = [blob(), blob(), blob(), blob()];
      for (const b of [referenced, orphan]) await store.linkBlob(repo!.id, b);
      await store.linkBlob(other!.id, orphanOther);
      await store.linkBlob(other!.id, referenced); // referenced in repo, not in other: an orphan there
      await store.linkBlob(elsewhere.repos[0]!.id, foreign);
      await put(store, cached(repo!.id, { blobRefs: [referenced.digest] }));

      // Links younger than the cut-off stay (a push may be about to reference them).
      expect(await store.unlinkOrphanBlobs(project.id, new Date(Date.now() - 60_000))).toBe(0);
      expect(await store.unlinkOrphanBlobs(project.id, new Date(Date.now() + 60_000))).toBe(3);
      expect(await store.missingBlobs(repo!.id, [referenced.digest, orphan.digest])).toEqual([orphan.digest]);
      expect(await store.missingBlobs(other!.id, [orphanOther.digest, referenced.digest])).toEqual([orphanOther.digest, referenced.digest]);
      expect(await store.missingBlobs(elsewhere.repos[0]!.id, [foreign.digest])).toEqual([]); // another project's
      expect(await store.getBlob(orphan.digest)).toEqual(orphan); // the row stays for GC
    });

    it('evictCachedImage takes the children of an index that no remaining manifest lists', async () => {
      const store = getStore();
      const { project, repos: [repo] } = await proxyProject(store, 'evict-index');
      const [l1, l2, l3] = [blob(), blob(), blob()];
      for (const b of [l1, l2, l3]) await store.linkBlob(repo!.id, b);
      const [c1, c2, c3] = [l1, l2, l3].map((layer) => cached(repo!.id, { blobRefs: [layer.digest] }));
      const evicted = index(repo!.id, [c1!, c2!, c3!], { tags: ['v1'] });
      const otherIndex = index(repo!.id, [c3!]);
      const localIndex = imageManifest(repo!.id, { source: 'local', mediaType: IMAGE_INDEX, manifestRefs: [c2!.digest] });
      await put(store, c1!, c2!, c3!, evicted, otherIndex, localIndex);

      // A child another index lists is part of that image, not an image of its own.
      expect(await store.evictCachedImage(repo!.id, c3!.digest)).toEqual({ manifests: 0, blobLinks: 0 });
      expect(await store.evictCachedImage(repo!.id, evicted.digest)).toEqual({ manifests: 2, blobLinks: 1 });
      expect(await store.missingManifests(repo!.id, [evicted, c1!, c2!, c3!, otherIndex].map((m) => m.digest))).toEqual([evicted.digest, c1!.digest]);
      expect(await store.missingBlobs(repo!.id, [l1, l2, l3].map((b) => b.digest))).toEqual([l1.digest]);
      expect((await store.listCachedImages(project.id, { limit: 10 })).map((row) => row.digest)).toEqual([otherIndex.digest]);
    });

    it('evictCachedImage takes cached referrers transitively and referrers-tagged manifests, never local ones', async () => {
      const store = getStore();
      const { repos: [repo] } = await proxyProject(store, 'evict-referrers');
      const [shared, only, sigLayer, sbomLayer, sbomSigLayer, localLayer] = [blob(), blob(), blob(), blob(), blob(), blob()];
      for (const b of [shared, only, sigLayer, sbomLayer, sbomSigLayer, localLayer]) await store.linkBlob(repo!.id, b);
      const image = cached(repo!.id, { blobRefs: [shared.digest, only.digest] });
      const hex = image.digest.slice('sha256:'.length);
      const signature = cached(repo!.id, { subject: image.digest, blobRefs: [sigLayer.digest] });
      const sbom = cached(repo!.id, { subject: image.digest, blobRefs: [sbomLayer.digest] });
      const sbomSignature = cached(repo!.id, { subject: sbom.digest, blobRefs: [sbomSigLayer.digest] });
      const localReferrer = imageManifest(repo!.id, { source: 'local', subject: image.digest, blobRefs: [shared.digest, localLayer.digest] });
      const localOnSbom = imageManifest(repo!.id, { source: 'local', subject: sbom.digest, blobRefs: [sbomLayer.digest] });
      const tagSchemaIndex = index(repo!.id, [signature], { tags: [`sha256-${hex}`] });
      const cosignSignature = cached(repo!.id, { tags: [`sha256-${hex}.sig`] });
      const localAttestation = imageManifest(repo!.id, { source: 'local', tags: [`sha256-${hex}.att`] });
      const unrelated = cached(repo!.id, { tags: [`sha256-${'0'.repeat(64)}.sig`] });
      await put(store, image, signature, sbom, sbomSignature, localReferrer, localOnSbom, tagSchemaIndex, cosignSignature, localAttestation, unrelated);

      const gone = [image, signature, sbom, sbomSignature, tagSchemaIndex, cosignSignature];
      const stay = [localReferrer, localOnSbom, localAttestation, unrelated];
      expect(await store.evictCachedImage(repo!.id, image.digest)).toEqual({ manifests: gone.length, blobLinks: 3 });
      expect(await store.missingManifests(repo!.id, [...gone, ...stay].map((m) => m.digest))).toEqual(gone.map((m) => m.digest));
      expect(await store.missingBlobs(repo!.id, [shared, only, sigLayer, sbomLayer, sbomSigLayer, localLayer].map((b) => b.digest)))
        .toEqual([only.digest, sigLayer.digest, sbomSigLayer.digest]);
      expect(await store.listTags(repo!.id, {})).toEqual([`sha256-${'0'.repeat(64)}.sig`, `sha256-${hex}.att`].sort());
    });

    it('evictCachedImage takes the cached referrers of the children of an index', async () => {
      const store = getStore();
      const { repos: [repo] } = await proxyProject(store, 'evict-child-referrers');
      const child = cached(repo!.id);
      const multi = index(repo!.id, [child]);
      const childSignature = cached(repo!.id, { subject: child.digest });
      await put(store, child, multi, childSignature);
      expect(await store.evictCachedImage(repo!.id, multi.digest)).toEqual({ manifests: 3, blobLinks: 0 });
      expect(await store.missingManifests(repo!.id, [child.digest, childSignature.digest])).toHaveLength(2);
    });
  });

  registerBlobGcCases(getStore);
}
