import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CacheEviction } from '@berth/core';
import { openDatabase, type MetadataStore, type NewManifest } from '@berth/db';
import { imageManifest, sha256 } from '../db/fixtures.js';

// The eviction rules over a real (embedded) database: retention by last pull, quota down to the
// low-water mark least recently used first, local content never touched, orphan links removed.

const DAY = 86_400_000;
const NOW = Date.UTC(2031, 5, 15, 12);

let metadata: MetadataStore;
const evicted: string[] = [];

beforeAll(async () => {
  metadata = await openDatabase({});
});

afterAll(async () => {
  await metadata?.close();
});

function eviction(): CacheEviction {
  return new CacheEviction(metadata, { evicted: async (repository) => void evicted.push(repository) }, { orphanGraceMs: 3_600_000 }, () => NOW);
}

/** A proxy project with one repository and `settings` (beyond the upstream). */
async function project(settings: Record<string, unknown>) {
  const row = await metadata.ensureProject(`p${randomBytes(4).toString('hex')}`, 'proxy', { upstream: { url: 'https://upstream.test' }, ...settings });
  const repository = await metadata.ensureRepository(row.id, `${row.name}/app`);
  return { row, repository };
}

/** A cached image with one layer of `size` bytes, linked and pulled `daysAgo` before NOW. */
async function image(repositoryId: number, size: number, daysAgo: number, source: 'cached' | 'local' = 'cached'): Promise<NewManifest> {
  const layer = { digest: sha256(randomBytes(16)), size };
  await metadata.linkBlob(repositoryId, layer);
  const manifest = imageManifest(repositoryId, { source, blobRefs: [layer.digest] });
  await metadata.putManifest(manifest);
  await metadata.recordManifestPulls([{ repositoryId, digest: manifest.digest }], new Date(NOW - daysAgo * DAY));
  return manifest;
}

const present = async (repositoryId: number, manifest: NewManifest) => (await metadata.getManifest(repositoryId, manifest.digest)) !== null;

describe('cache eviction rules', () => {
  it('retention evicts images not pulled for retentionDays, and only those', async () => {
    const { row, repository } = await project({ retentionDays: 7 });
    const old = await image(repository.id, 1000, 10);
    const recent = await image(repository.id, 1000, 2);
    const oldLocal = await image(repository.id, 1000, 30, 'local');
    const run = await eviction().runProject(row);
    expect(run).toMatchObject({ expired: 1, overQuota: 0, bytesBefore: 3000, bytesAfter: 2000 });
    expect(await present(repository.id, old)).toBe(false);
    expect(await present(repository.id, recent)).toBe(true);
    expect(await present(repository.id, oldLocal)).toBe(true);
    expect(evicted).toContain(repository.name);
  });

  it('a quota evicts least recently pulled images down to the low-water mark', async () => {
    const { row, repository } = await project({ quota: { maxBytes: 10_000, lowWaterPercent: 60 } });
    const images = [];
    for (const daysAgo of [5, 1, 4, 2, 3]) images.push({ daysAgo, manifest: await image(repository.id, 3000, daysAgo) });
    // 15,000 bytes against 10,000: down to 6,000 or less, oldest first (5, 4, then 3 days ago).
    const run = await eviction().runProject(row);
    expect(run).toMatchObject({ overQuota: 3, bytesBefore: 15_000, bytesAfter: 6000 });
    for (const { daysAgo, manifest } of images) expect(await present(repository.id, manifest)).toBe(daysAgo <= 2);
    // Under the quota now: a second run changes nothing.
    expect(await eviction().runProject(row)).toMatchObject({ overQuota: 0, bytesBefore: 6000, bytesAfter: 6000 });
  });

  it('says when local content alone keeps the project over its quota', async () => {
    const { row, repository } = await project({ quota: { maxBytes: 1000, lowWaterPercent: 80 } });
    const cached = await image(repository.id, 600, 3);
    const local = await image(repository.id, 2000, 5, 'local');
    const run = await eviction().runProject(row);
    expect(run).toMatchObject({ overQuota: 1, bytesAfter: 2000, stillOverQuota: true });
    expect(await present(repository.id, cached)).toBe(false);
    expect(await present(repository.id, local)).toBe(true);
  });

  it('removes blob links no manifest references once they are older than the grace period', async () => {
    const { row, repository } = await project({});
    const orphan = { digest: sha256(randomBytes(16)), size: 500 };
    await metadata.linkBlob(repository.id, orphan);
    const kept = await image(repository.id, 700, 1);
    // The link was made just now, after the clock's now minus the grace period: it stays.
    const now = new CacheEviction(metadata, { evicted: async () => undefined }, { orphanGraceMs: 3_600_000 });
    expect((await now.runProject(row)).orphanLinks).toBe(0);
    const later = new CacheEviction(metadata, { evicted: async () => undefined }, { orphanGraceMs: 3_600_000 }, () => Date.now() + 2 * 3_600_000);
    expect(await later.runProject(row)).toMatchObject({ orphanLinks: 1, bytesBefore: 1200, bytesAfter: 700 });
    expect(await present(repository.id, kept)).toBe(true);
    expect(await metadata.getLinkedBlob(repository.id, orphan.digest)).toBeNull();
  });
});
