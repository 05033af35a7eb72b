import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BlobCollector, createRegistryServices, type RegistryServices } from '@berth/core';
import { openDatabase } from '@berth/db';
import { createFsBlobStore } from '@berth/storage';
import { createUpstreamClient } from '@berth/upstream';

// The garbage collector racing pushes of the very blob it is collecting, with no grace period, many
// times over: whichever side wins each race, a blob a repository links is always readable.

let base: string;
let services: RegistryServices;
let collector: BlobCollector;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-gc-race-'));
  const metadata = await openDatabase({});
  const store = createFsBlobStore({ root: join(base, 'blobs') });
  services = createRegistryServices({
    metadata,
    store,
    proxy: { upstreamFactory: createUpstreamClient, spoolDir: join(base, 'spool') },
    settings: { autoCreateProjects: true },
  });
  // No grace: a blob marked unlinked in one run is deleted by the next one.
  collector = new BlobCollector(metadata, store, { graceMs: 0 });
});

afterAll(async () => {
  await services?.close();
  await services?.metadata.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

function blob(): { bytes: Buffer; digest: string } {
  const bytes = randomBytes(64 * 1024);
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

async function push(name: string, content: { bytes: Buffer; digest: string }, chunked: boolean): Promise<void> {
  if (!chunked) {
    await services.uploads.start(name, { digest: content.digest, body: Readable.from([content.bytes]), actor: { account: 'test' } });
    return;
  }
  const started = await services.uploads.start(name, { actor: { account: 'test' } });
  if (started.kind !== 'session') throw new Error('expected an upload session');
  await services.uploads.finish(name, started.upload.id, content.digest, Readable.from([content.bytes]));
}

describe('garbage collection racing pushes of the same blob', () => {
  it('never leaves a linked blob without its bytes', async () => {
    const deletedBy = { collectorFirst: 0, pushFirst: 0, concurrent: 0 };
    for (let round = 0; round < 45; round += 1) {
      const mode = (['collectorFirst', 'pushFirst', 'concurrent'] as const)[round % 3]!;
      const content = blob();
      const name = `race/repo${round % 4}`;
      await push(name, content, round % 2 === 0);
      // Unlinked and marked: the next collector run deletes it unless a push claims it first.
      const repository = await services.metadata.getRepository(name);
      await services.metadata.unlinkBlob(repository!.id, content.digest);
      expect((await collector.run()).deleted).toBe(0);
      const again = () => push(name, content, round % 2 === 1);
      let collected;
      if (mode === 'collectorFirst') {
        collected = await collector.run();
        await again();
      } else if (mode === 'pushFirst') {
        await again();
        collected = await collector.run();
      } else {
        [collected] = await Promise.all([collector.run(), again()]);
      }
      deletedBy[mode] += collected.deleted;
      expect(await services.metadata.getLinkedBlob(repository!.id, content.digest)).toEqual({ digest: content.digest, size: content.bytes.length });
      expect(await services.store.stat(content.digest)).toEqual({ digest: content.digest, size: content.bytes.length });
    }
    // The collector deleted the blob each time it ran first (the push then wrote it afresh), never
    // after a push had claimed it.
    expect(deletedBy.collectorFirst).toBe(15);
    expect(deletedBy.pushFirst).toBe(0);
  });

  it('a push arriving while the collector deletes the blob waits for it, then stores the blob afresh', async () => {
    for (const chunked of [false, true]) {
      const content = blob();
      const name = 'race/held';
      await push(name, content, chunked);
      const repository = await services.metadata.getRepository(name);
      await services.metadata.unlinkBlob(repository!.id, content.digest);
      await collector.run(); // marks it
      // The collector's byte deletion is held until the push had time to run in between.
      let deleteCalled!: () => void;
      const deleting = new Promise<void>((resolve) => (deleteCalled = resolve));
      const held = new BlobCollector(services.metadata, {
        async delete(digest) {
          deleteCalled();
          await new Promise((resolve) => setTimeout(resolve, 400));
          return services.store.delete(digest);
        },
      }, { graceMs: 0 });
      const collecting = held.run();
      await deleting; // claimed for deletion, bytes about to go
      await push(name, content, !chunked);
      expect((await collecting).deleted).toBe(1);
      expect(await services.metadata.getLinkedBlob(repository!.id, content.digest)).toEqual({ digest: content.digest, size: content.bytes.length });
      expect(await services.store.stat(content.digest)).toEqual({ digest: content.digest, size: content.bytes.length });
    }
  });

  it('collects a blob nobody links after the grace period, and only then', async () => {
    const graceful = new BlobCollector(services.metadata, services.store, { graceMs: 60_000 });
    const content = blob();
    await push('race/graceful', content, false);
    const repository = await services.metadata.getRepository('race/graceful');
    await services.metadata.unlinkBlob(repository!.id, content.digest);
    expect((await graceful.run()).deleted).toBe(0); // marked now; the grace has not passed
    expect(await services.store.stat(content.digest)).not.toBeNull();
    const result = await collector.run(); // no grace: marked earlier, deleted now
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(result.bytes).toBeGreaterThanOrEqual(content.bytes.length);
    expect(await services.store.stat(content.digest)).toBeNull();
    expect(await services.metadata.getBlob(content.digest)).toBeNull();
  });
});
