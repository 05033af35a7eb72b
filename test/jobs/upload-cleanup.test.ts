import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UploadCleanup, createRegistryServices, type RegistryServices } from '@berth/core';
import { openDatabase } from '@berth/db';
import { NotFoundError, createFsBlobStore } from '@berth/storage';
import { createUpstreamClient } from '@berth/upstream';

// Abandoned upload sessions are removed with their bytes once idle longer than the session TTL;
// sessions still in use stay, and so does everything already pushed.

const TTL_MS = 60 * 60 * 1000;
let base: string;
let services: RegistryServices;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-upload-cleanup-'));
  services = createRegistryServices({
    metadata: await openDatabase({}),
    store: createFsBlobStore({ root: join(base, 'blobs') }),
    proxy: { upstreamFactory: createUpstreamClient, spoolDir: join(base, 'spool') },
    settings: { autoCreateProjects: true, uploadSessionTtlMs: TTL_MS },
  });
});

afterAll(async () => {
  await services?.close();
  await services?.metadata.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

async function session(bytes: number): Promise<string> {
  const started = await services.uploads.start('cleanup/app', { actor: { account: 'test' } });
  if (started.kind !== 'session') throw new Error('expected an upload session');
  await services.uploads.append('cleanup/app', started.upload.id, Readable.from([Buffer.alloc(bytes, 7)]));
  return started.upload.id;
}

describe('upload cleanup', () => {
  it('removes sessions idle longer than the TTL with their data, and keeps the others', async () => {
    const abandoned = await session(4096);
    const cleanupLater = (msFromNow: number) =>
      new UploadCleanup(services.metadata, services.store, { sessionTtlMs: TTL_MS }, () => Date.now() + msFromNow);

    // Within the TTL nothing goes.
    expect(await cleanupLater(0).run()).toBe(0);
    expect(await services.store.uploads.size(abandoned)).toBe(4096);

    // Past the TTL with no write since, both sessions are abandoned.
    const second = await session(10);
    expect(await cleanupLater(TTL_MS + 1000).run()).toBe(2);
    expect(await services.metadata.getUpload(abandoned)).toBeNull();
    await expect(services.store.uploads.size(abandoned)).rejects.toBeInstanceOf(NotFoundError);
    expect(await services.metadata.getUpload(second)).toBeNull();

    const current = await session(10);
    expect(await cleanupLater(TTL_MS - 60_000).run()).toBe(0);
    expect(await services.store.uploads.size(current)).toBe(10);
    // The client can still finish it.
    const finished = await services.uploads.status('cleanup/app', current);
    expect(finished.offset).toBe(10);
  });
});
