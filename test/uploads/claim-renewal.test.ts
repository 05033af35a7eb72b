import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { DEFAULT_CORE_SETTINGS, RepositoryResolver, UploadService, type UploadClaimTiming } from '@berth/core';
import { openDatabase, type MetadataStore } from '@berth/db';
import { OciError } from '@berth/oci';
import { createFsBlobStore } from '@berth/storage';

// A chunk that streams for longer than the claim's lease keeps the session (its claim is renewed):
// a second chunk at the same offset meanwhile waits a lease and more, then gets 416 without ever
// taking the session. The lease is short here so "longer than a lease" comes quickly, yet 49
// renewals long, so only an event-loop stall of almost 5 s (not a merely busy machine) could let
// it lapse; the first chunk ends only after the second writer has given up, whatever the clock says.

const TIMING: UploadClaimTiming = { leaseMs: 5_000, renewMs: 100, pollMs: 20 };

let base: string;
let metadata: MetadataStore;
let uploads: UploadService;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-upload-claims-'));
  metadata = await openDatabase({});
  const settings = { ...DEFAULT_CORE_SETTINGS, autoCreateProjects: true };
  uploads = new UploadService(metadata, createFsBlobStore({ root: join(base, 'blobs') }), new RepositoryResolver(metadata, settings), settings, TIMING);
});

afterAll(async () => {
  await metadata?.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('an upload claim held longer than its lease', () => {
  it('is renewed: a racing chunk waits, then gets 416 and never the session; the first chunk is recorded', async () => {
    const started = await uploads.start('claims/app', { actor: { account: 'test' } });
    if (started.kind !== 'session') throw new Error('expected a session');
    const id = started.upload.id;
    const first = Buffer.alloc(64 * 1024, 1);
    const slowBody = new PassThrough();
    slowBody.write(first.subarray(0, 1024));
    const firstChunk = uploads.append('claims/app', id, slowBody, { start: 0, end: first.length - 1 });

    // The second chunk starts once the first holds the session.
    while ((await metadata.getUpload(id))!.updatedAt.getTime() <= Date.now()) await new Promise((resolve) => setTimeout(resolve, 5));
    const waitedFrom = Date.now();
    const refused = await uploads.append('claims/app', id, Readable.from([Buffer.alloc(64 * 1024, 2)]), { start: 0, end: 64 * 1024 - 1 }).catch((error: unknown) => error);
    expect(Date.now() - waitedFrom).toBeGreaterThanOrEqual(TIMING.leaseMs);
    expect(refused).toBeInstanceOf(OciError);
    expect((refused as OciError).code).toBe('RANGE_INVALID');
    expect((refused as OciError).headers).toMatchObject({ Range: '0-0' });

    slowBody.end(first.subarray(1024));
    expect(await firstChunk).toEqual({ id, offset: first.length });
    const digest = `sha256:${createHash('sha256').update(first).digest('hex')}`;
    expect(await uploads.finish('claims/app', id, digest)).toEqual({ digest, size: first.length });
  });
});
