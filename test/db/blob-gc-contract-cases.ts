import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, expect } from '@jest/globals';
import { inArray, sql } from 'drizzle-orm';
import { blobs, drizzleDatabaseOf, type BlobRow, type MetadataStore } from '@berth/db';
import { freshRepository, sha256 } from './fixtures.js';

/**
 * Blob GC and stale upload cases of the MetadataStore contract. GC works on every blob of the
 * database, so each case first collects what earlier cases left unlinked.
 */
export function registerBlobGcCases(getStore: () => MetadataStore): void {
  const blob = (): BlobRow => ({ digest: sha256(randomBytes(16)), size: 1 + randomBytes(1)[0]! });
  const soon = () => new Date(Date.now() + 60_000);
  const digestsOf = (rows: BlobRow[]) => rows.map((row) => row.digest).sort();

  async function collectEverything(store: MetadataStore): Promise<void> {
    await store.markUnlinkedBlobs();
    const claimed = await store.claimBlobsForDeletion(soon(), 1_000_000);
    await store.forgetBlobs(claimed.map((row) => row.digest));
  }
  /** Blobs known to the store and linked nowhere. */
  async function unlinkedBlobs(store: MetadataStore, count: number): Promise<BlobRow[]> {
    const repo = await freshRepository(store, 'gc');
    const rows = Array.from({ length: count }, blob);
    for (const row of rows) {
      await store.linkBlob(repo.id, row);
      await store.unlinkBlob(repo.id, row.digest);
    }
    return rows;
  }
  /** What a collector that died 11 minutes after claiming leaves behind (no port method does this). */
  async function ageClaims(store: MetadataStore, digests: string[]): Promise<void> {
    await drizzleDatabaseOf(store)
      .update(blobs)
      .set({ gcDeletingSince: sql`now() - interval '11 minutes'` })
      .where(inArray(blobs.digest, digests));
  }

  describe('blob garbage collection', () => {
    it('marks unlinked blobs, claims them after the grace period, and forgets the claimed rows', async () => {
      const store = getStore();
      await collectEverything(store);
      const repo = await freshRepository(store, 'gc-kept');
      const kept = blob();
      await store.linkBlob(repo.id, kept);
      const [u1, u2] = await unlinkedBlobs(store, 2);
      const neverLinked = blob();
      expect(await store.claimBlob(neverLinked)).toBe(true);
      expect(await store.getBlob(neverLinked.digest)).toEqual(neverLinked);

      const beforeMarking = new Date(Date.now() - 1000);
      expect(await store.markUnlinkedBlobs()).toBe(3);
      expect(await store.markUnlinkedBlobs()).toBe(0);
      expect(await store.claimBlobsForDeletion(beforeMarking, 100)).toEqual([]);

      const claimed = await store.claimBlobsForDeletion(soon(), 100);
      expect(digestsOf(claimed)).toEqual(digestsOf([u1!, u2!, neverLinked]));
      expect(claimed.find((row) => row.digest === u1!.digest)).toEqual(u1);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([]); // claimed by a live collector
      expect(await store.markUnlinkedBlobs()).toBe(0);

      expect(await store.forgetBlobs([u1!.digest, u2!.digest, neverLinked.digest, kept.digest, sha256('absent')])).toBe(3);
      expect(await store.getBlob(u1!.digest)).toBeNull();
      expect(await store.getLinkedBlob(repo.id, kept.digest)).toEqual(kept);
      expect(await store.forgetBlobs([u1!.digest])).toBe(0);
      expect(await store.forgetBlobs([])).toBe(0);
    });

    it('claimBlob clears a mark, refuses while a live collector deletes, and takes over a dead one', async () => {
      const store = getStore();
      await collectEverything(store);
      const [b] = await unlinkedBlobs(store, 1);
      expect(await store.markUnlinkedBlobs()).toBe(1);
      expect(await store.claimBlob(b!)).toBe(true);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([]); // the mark is gone
      expect(await store.claimBlob(b!)).toBe(true); // already clear

      expect(await store.markUnlinkedBlobs()).toBe(1);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([b]);
      expect(await store.claimBlob(b!)).toBe(false);
      expect(await store.claimBlob(b!)).toBe(false);

      await ageClaims(store, [b!.digest]);
      expect(await store.claimBlob(b!)).toBe(true);
      expect(await store.forgetBlobs([b!.digest])).toBe(0); // re-claimed by a writer: the row stays
      expect(await store.getBlob(b!.digest)).toEqual(b);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([]);
    });

    it('a collector takes over the claim of a dead collector', async () => {
      const store = getStore();
      await collectEverything(store);
      const [b] = await unlinkedBlobs(store, 1);
      await store.markUnlinkedBlobs();
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([b]);
      await ageClaims(store, [b!.digest]);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([b]);
      expect(await store.claimBlob(b!)).toBe(false); // the new claim is live
      expect(await store.forgetBlobs([b!.digest])).toBe(1);
    });

    it('linkBlob clears a mark but leaves a row being deleted alone; a linked row is never forgotten', async () => {
      const store = getStore();
      await collectEverything(store);
      const repo = await freshRepository(store, 'gc-link');
      const [marked, deleting] = await unlinkedBlobs(store, 2);
      expect(await store.markUnlinkedBlobs()).toBe(2);
      await store.linkBlob(repo.id, marked!);
      await store.unlinkBlob(repo.id, marked!.digest);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([deleting]);
      expect(await store.markUnlinkedBlobs()).toBe(1); // `marked` lost its mark when linked

      await store.linkBlob(repo.id, deleting!); // without claimBlob first: a caller's mistake
      expect(await store.claimBlob(deleting!)).toBe(false); // still being deleted
      expect(await store.forgetBlobs([deleting!.digest])).toBe(0); // but linked, so the row stays
      expect(await store.getLinkedBlob(repo.id, deleting!.digest)).toEqual(deleting);
      await ageClaims(store, [deleting!.digest]);
      expect(await store.claimBlobsForDeletion(soon(), 100)).toEqual([marked]); // not the linked one
    });

    it('concurrent collectors never claim the same blob', async () => {
      const store = getStore();
      await collectEverything(store);
      const rows = await unlinkedBlobs(store, 30);
      expect(await store.markUnlinkedBlobs()).toBe(30);
      const claims = await Promise.all(Array.from({ length: 5 }, () => store.claimBlobsForDeletion(soon(), 8)));
      const all = claims.flat().map((row) => row.digest);
      expect(claims.every((claim) => claim.length <= 8)).toBe(true);
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(digestsOf(rows));
    });

    it('a writer and a collector racing for one blob: exactly one of them gets it', async () => {
      const store = getStore();
      for (let round = 0; round < 5; round++) {
        await collectEverything(store);
        const [b] = await unlinkedBlobs(store, 1);
        await store.markUnlinkedBlobs();
        const [written, claimed] = await Promise.all([store.claimBlob(b!), store.claimBlobsForDeletion(soon(), 100)]);
        expect(written).toBe(claimed.length === 0);
        expect(claimed.every((row) => row.digest === b!.digest)).toBe(true);
      }
    });
  });

  describe('stale uploads', () => {
    it('lists sessions not written to since a time, oldest first', async () => {
      const store = getStore();
      const repo = await freshRepository(store, 'stale-uploads');
      const ids: string[] = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) {
        await store.createUpload(id, repo.id);
        await sleep(5);
      }
      await sleep(20);
      const cut = new Date();
      await sleep(20);
      const claim = await store.claimUpload(ids[0]!, 0, 60_000);
      expect(claim).not.toBeNull();
      expect(await store.releaseUploadClaim(claim!, 10)).toBeInstanceOf(Date);

      const ours = (rows: { id: string }[]) => rows.map((row) => row.id).filter((id) => ids.includes(id));
      expect(ours(await store.listStaleUploads(cut, 1000))).toEqual([ids[1], ids[2]]);
      const all = await store.listStaleUploads(soon(), 1000);
      expect(ours(all)).toEqual([ids[1], ids[2], ids[0]]);
      const times = all.map((row) => row.updatedAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(await store.listStaleUploads(soon(), 2)).toEqual(all.slice(0, 2));
      expect(await store.listStaleUploads(new Date(0), 1000)).toEqual([]);
    });
  });
}
