import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { randomBlob, uniqueRepo, unknownDigest, type Blob } from './content.js';
import { call, describeResult, pushBlob, withQuery, type HttpResult } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Cross-repository blob mount (spec "Mounting a blob from another repository", conformance
// 02_push_test.go "Cross-Repository Blob Mount"): 201 when the source has the blob, else a session.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const source = uniqueRepo('mount-src');
const blob: Blob = randomBlob(2048);

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  await pushBlob(base, source, blob);
});

afterAll(async () => {
  await target?.stop();
});

function mount(repo: string, digest: string, from?: string): Promise<HttpResult> {
  const query = new URLSearchParams({ mount: digest, ...(from !== undefined ? { from } : {}) });
  return call(base, 'POST', `/v2/${repo}/blobs/uploads/?${query.toString()}`, { headers: { 'Content-Length': '0' } });
}

/** A 202 answer that opened a usable upload session in `repo`: finish it with `content`. */
async function expectSession(result: HttpResult, repo: string, content: Blob): Promise<void> {
  if (result.status !== 202) throw new Error(`expected a 202 session, got ${describeResult(result)}`);
  const location = result.headers.get('location');
  expect(location).not.toBeNull();
  expect(new URL(location ?? '', base).pathname).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/.+`));
  expect(result.headers.get('docker-upload-uuid')).toMatch(/\S/);
  const put = await call(base, 'PUT', withQuery(base, location ?? '', { digest: content.digest }), {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: content.bytes,
  });
  expect(put.status).toBe(201);
}

describe('cross-repository mount', () => {
  it('mounting from a repository that has the blob answers 201 with the blob Location in the target', async () => {
    const repo = uniqueRepo('mount-dst');
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(404);
    const result = await mount(repo, blob.digest, source);
    if (result.status !== 201) throw new Error(`expected 201, got ${describeResult(result)}`);
    expect(new URL(result.headers.get('location') ?? '', base).pathname).toBe(`/v2/${repo}/blobs/${blob.digest}`);
    expect(result.headers.get('docker-content-digest')).toBe(blob.digest);
    const pulled = await call(base, 'GET', `/v2/${repo}/blobs/${blob.digest}`);
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(blob.bytes)).toBe(true);
  });

  it('mounting leaves the source repository untouched', async () => {
    const repo = uniqueRepo('mount-dst');
    expect((await mount(repo, blob.digest, source)).status).toBe(201);
    const pulled = await call(base, 'GET', `/v2/${source}/blobs/${blob.digest}`);
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(blob.bytes)).toBe(true);
  });

  it('mounting a digest the source does not have opens an upload session (202)', async () => {
    const repo = uniqueRepo('mount-dst');
    const missing = unknownDigest();
    await expectSession(await mount(repo, missing, source), repo, randomBlob(100));
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${missing}`)).status).toBe(404);
  });

  it('mounting from a repository that does not exist opens an upload session (202)', async () => {
    const repo = uniqueRepo('mount-dst');
    await expectSession(await mount(repo, blob.digest, uniqueRepo('mount-none')), repo, randomBlob(100));
  });

  it('mounting from a repository without access to the blob does not leak it', async () => {
    const repo = uniqueRepo('mount-dst');
    const unrelated = uniqueRepo('mount-unrelated');
    await pushBlob(base, unrelated, randomBlob(50));
    const result = await mount(repo, blob.digest, unrelated);
    expect(result.status).toBe(202);
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(404);
  });

  it('mount without from either mounts (201, blob readable) or opens a session (202)', async () => {
    const repo = uniqueRepo('mount-dst');
    const result = await mount(repo, blob.digest);
    if (result.status === 201) {
      expect((await call(base, 'GET', `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(200);
    } else {
      await expectSession(result, repo, randomBlob(100));
    }
  });
});
