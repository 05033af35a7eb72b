import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBlob } from '../api/content.js';
import { pushBlob, send, startUpload, withQuery, type HttpResult } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';

// Blob storage on a 2 MiB tmpfs (mounted by the test, unmounted afterwards): a push that does not
// fit is 507 with an OCI error saying the storage is full, nothing of it is left visible or on the
// disk, /readyz reports the storage problem, and pushes that fit work again.

const run = promisify(execFile);
let root: string;
let mounted = false;
let berth: BerthUnderTest;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-full-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', root]);
  mounted = true;
  berth = await startBerth({ config: { storage: { driver: 'fs', fs: { root } } } });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  if (mounted) await run('umount', [root]);
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

interface Readyz {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

function expectStorageFull(answer: HttpResult): void {
  expect(answer.status).toBe(507);
  const [entry] = answer.json<{ errors: Array<{ code: string; message: string; detail?: { dependency?: string } }> }>().errors;
  expect(entry?.code).toBe('UNAVAILABLE');
  expect(entry?.message).toMatch(/^storage full: no space left on device \(ENOSPC\)/);
  expect(entry?.detail?.dependency).toBe('storage');
}

/** Every file under `dir` (recursively), for "nothing was left behind". */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('blob storage full', () => {
  it('is ready while there is space', async () => {
    expect((await send(berth.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('a monolithic push that does not fit is 507, with no blob visible and no file left', async () => {
    const big = randomBlob(3 * 1024 * 1024);
    const location = await startUpload(berth.url, 'full/app');
    const put = await send(berth.url, 'PUT', withQuery(berth.url, location, { digest: big.digest }), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: big.bytes,
    });
    expectStorageFull(put);
    expect((await send(berth.url, 'HEAD', `/v2/full/app/blobs/${big.digest}`)).status).toBe(404);
    // The session file may stay (empty: the chunk was cut off); no blob and no temp file.
    const left = await filesUnder(root);
    expect(left.filter((path) => !path.includes('/uploads/'))).toEqual([]);
  });

  it('a chunk that does not fit is 507 and the session keeps its offset', async () => {
    const big = randomBlob(3 * 1024 * 1024);
    const location = await startUpload(berth.url, 'full/app');
    const patch = await send(berth.url, 'PATCH', location, {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${big.bytes.length - 1}` },
      body: big.bytes,
    });
    expectStorageFull(patch);
    const status = await send(berth.url, 'GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-0');
    expect((await send(berth.url, 'HEAD', `/v2/full/app/blobs/${big.digest}`)).status).toBe(404);
  });

  it('/readyz reports the storage problem', async () => {
    const answer = await send(berth.url, 'GET', '/readyz');
    expect(answer.status).toBe(503);
    const report = answer.json<Readyz>();
    expect(report.checks.storage?.status).toBe('error');
    expect(report.checks.storage?.error).toMatch(/no space left on device/);
    expect(report.checks.database?.status).toBe('ok');
  });

  it('a push that fits still works', async () => {
    const small = randomBlob(64 * 1024);
    await pushBlob(berth.url, 'full/app', small);
    expect((await send(berth.url, 'HEAD', `/v2/full/app/blobs/${small.digest}`)).status).toBe(200);
  });
});
