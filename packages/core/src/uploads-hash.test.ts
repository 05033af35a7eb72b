import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openDatabase, type MetadataStore } from '@berth/db';
import { OciError } from '@berth/oci';
import { createFsBlobStore, type BlobInfo, type BlobStore } from '@berth/storage';
import { RepositoryResolver } from './repositories.js';
import { DEFAULT_CORE_SETTINGS } from './settings.js';
import type { UploadClaimTiming } from './upload-claims.js';
import { UploadHashes } from './upload-hashes.js';
import { UploadService } from './uploads.js';

// Whether a commit used this process's running hash shows in the `hashed` argument the store got:
// undefined means the store read the session back and hashed it, as before.

const TIMING: UploadClaimTiming = { leaseMs: 20_000, renewMs: 5_000, pollMs: 5 };
const actor = { account: 'test' };
const NAME = 'hashes/app';

let base: string;
let metadata: MetadataStore;
let store: BlobStore;
let resolver: RepositoryResolver;
const commits: Array<BlobInfo | undefined> = [];

function sha256(...parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return `sha256:${hash.digest('hex')}`;
}

function service(hashes = new UploadHashes()): UploadService {
  const settings = { ...DEFAULT_CORE_SETTINGS, autoCreateProjects: true };
  return new UploadService(metadata, store, resolver, settings, TIMING, hashes);
}

async function session(uploads: UploadService, algorithm?: string): Promise<string> {
  const started = await uploads.start(NAME, { actor, ...(algorithm !== undefined ? { algorithm } : {}) });
  if (started.kind !== 'session') throw new Error('expected a session');
  return started.upload.id;
}

/** A body that sends `head` and then fails, as a client that went away mid-chunk. */
function failingBody(head: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield head;
      throw Object.assign(new Error('client went away'), { code: 'ECONNRESET' });
    })(),
  );
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-upload-hashes-'));
  metadata = await openDatabase({});
  store = createFsBlobStore({ root: join(base, 'blobs') });
  const commit = store.uploads.commit.bind(store.uploads);
  store.uploads.commit = (id, expected, size, hashed) => {
    commits.push(hashed);
    return commit(id, expected, size, hashed);
  };
  resolver = new RepositoryResolver(metadata, { ...DEFAULT_CORE_SETTINGS, autoCreateProjects: true });
});

afterAll(async () => {
  await metadata?.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

const a = Buffer.alloc(300 * 1024, 1);
const b = Buffer.alloc(200 * 1024, 2);

async function readAll(digest: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await store.read(digest)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('committing with the running hash of the session', () => {
  it('uses the hash when this process wrote every chunk, and skips the re-read', async () => {
    const uploads = service();
    const id = await session(uploads);
    await uploads.append(NAME, id, Readable.from([a]));
    commits.length = 0;
    const digest = sha256(a, b);
    expect(await uploads.finish(NAME, id, digest, Readable.from([b]))).toEqual({ digest, size: a.length + b.length });
    expect(commits).toEqual([{ digest, size: a.length + b.length }]);
    expect((await readAll(digest)).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('still refuses a digest that does not match (DIGEST_INVALID), and stores nothing under it', async () => {
    const uploads = service();
    const id = await session(uploads);
    await uploads.append(NAME, id, Readable.from([a]));
    commits.length = 0;
    const claimed = sha256(b);
    const refused = await uploads.finish(NAME, id, claimed).catch((error: unknown) => error);
    expect(commits).toEqual([{ digest: sha256(a), size: a.length }]);
    expect(refused).toBeInstanceOf(OciError);
    expect((refused as OciError).code).toBe('DIGEST_INVALID');
    expect(await store.stat(claimed)).toBeNull();
  });

  it('reads the session back after a chunk failed midway, and publishes the right bytes', async () => {
    const uploads = service();
    const id = await session(uploads);
    await uploads.append(NAME, id, Readable.from([a]));
    await expect(uploads.append(NAME, id, failingBody(b.subarray(0, 1000)))).rejects.toThrow();
    expect((await uploads.status(NAME, id)).offset).toBe(a.length);
    await uploads.append(NAME, id, Readable.from([b]));
    commits.length = 0;
    const digest = sha256(a, b);
    expect(await uploads.finish(NAME, id, digest)).toEqual({ digest, size: a.length + b.length });
    expect(commits).toEqual([undefined]);
    expect((await readAll(digest)).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('reads the session back when another replica wrote a chunk', async () => {
    const here = service();
    const replica = service();
    const id = await session(here);
    await here.append(NAME, id, Readable.from([a]));
    await replica.append(NAME, id, Readable.from([b]));
    commits.length = 0;
    const digest = sha256(a, b);
    expect(await here.finish(NAME, id, digest)).toEqual({ digest, size: a.length + b.length });
    expect(commits).toEqual([undefined]);
  });

  it('reads the session back when another writer held the session since, even with the offset unchanged', async () => {
    const uploads = service();
    const id = await session(uploads);
    await uploads.append(NAME, id, Readable.from([a]));
    // A writer elsewhere claimed the session at the same offset and its claim lapsed (it may
    // still be writing): the finish waits for the lapse and must not trust the hash.
    expect(await metadata.claimUpload(id, a.length, 1)).not.toBeNull();
    commits.length = 0;
    const digest = sha256(a);
    expect(await uploads.finish(NAME, id, digest)).toEqual({ digest, size: a.length });
    expect(commits).toEqual([undefined]);
  });

  it('reads the session back when the hash was evicted', async () => {
    const uploads = service(new UploadHashes({ maxSessions: 1, idleMs: 60_000 }));
    const first = await session(uploads);
    await uploads.append(NAME, first, Readable.from([a]));
    const second = await session(uploads); // the first session's hash is the least recently used
    await uploads.append(NAME, second, Readable.from([b]));
    commits.length = 0;
    expect(await uploads.finish(NAME, first, sha256(a))).toEqual({ digest: sha256(a), size: a.length });
    expect(await uploads.finish(NAME, second, sha256(b))).toEqual({ digest: sha256(b), size: b.length });
    expect(commits).toEqual([undefined, { digest: sha256(b), size: b.length }]);
  });

  it('reads the session back for a sha512 digest', async () => {
    const uploads = service();
    const id = await session(uploads);
    await uploads.append(NAME, id, Readable.from([a]));
    commits.length = 0;
    const digest = `sha512:${createHash('sha512').update(a).digest('hex')}`;
    expect(await uploads.finish(NAME, id, digest)).toEqual({ digest, size: a.length });
    expect(commits).toEqual([undefined]);
  });
});
