import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { randomBlob, uniqueRepo, unknownDigest, type Blob } from './content.js';
import { call, describeResult, expectOciError, startUpload, withQuery, type HttpResult } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Pushing blobs (spec "Pushing blobs", conformance 02_push_test.go): POST then PUT, single POST,
// streamed and chunked PATCH, upload status, cancel, and the errors of each step.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('uploads');

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
});

afterAll(async () => {
  await target?.stop();
});

/** A 202 upload answer: Location into this repository's uploads, an upload UUID and `Range: 0-<end>`. */
function expectProgress(result: HttpResult, end: number): string {
  if (result.status !== 202) throw new Error(`expected 202, got ${describeResult(result)}`);
  const location = result.headers.get('location');
  expect(location).not.toBeNull();
  expect(new URL(location ?? '', base).pathname).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/.+`));
  expect(result.headers.get('range')).toBe(`0-${end}`);
  return location ?? '';
}

/** A 201 blob answer whose Location serves exactly `blob`. */
async function expectCreated(result: HttpResult, blob: Blob): Promise<void> {
  if (result.status !== 201) throw new Error(`expected 201, got ${describeResult(result)}`);
  const location = result.headers.get('location');
  expect(location).not.toBeNull();
  expect(result.headers.get('docker-content-digest')).toBe(blob.digest);
  const pulled = await call(base, 'GET', location ?? '');
  expect(pulled.status).toBe(200);
  expect(pulled.body.equals(blob.bytes)).toBe(true);
}

function patch(location: string, chunk: Buffer, range?: string): Promise<HttpResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (range !== undefined) headers['Content-Range'] = range;
  return call(base, 'PATCH', location, { headers, body: chunk });
}

function put(location: string, digest: string | undefined, chunk?: Buffer, range?: string): Promise<HttpResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (range !== undefined) headers['Content-Range'] = range;
  const url = digest === undefined ? location : withQuery(base, location, { digest });
  return call(base, 'PUT', url, chunk === undefined ? { headers } : { headers, body: chunk });
}

describe('starting an upload', () => {
  it('POST answers 202 with a Location naming the session, Docker-Upload-UUID and Range: 0-0', async () => {
    const result = await call(base, 'POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'Content-Length': '0' } });
    const location = expectProgress(result, 0);
    const uuid = result.headers.get('docker-upload-uuid');
    expect(uuid).toMatch(/\S/);
    expect(location).toContain(uuid ?? '');
  });

  it('each POST starts a different session', async () => {
    const first = await startUpload(base, repo);
    const second = await startUpload(base, repo);
    expect(new URL(first, base).pathname).not.toBe(new URL(second, base).pathname);
  });
});

describe('monolithic uploads', () => {
  it('POST then PUT ?digest= with the whole blob answers 201 with a pullable Location', async () => {
    const blob = randomBlob(3000);
    await expectCreated(await put(await startUpload(base, repo), blob.digest, blob.bytes), blob);
  });

  it('a single POST ?digest= with the blob answers 201 with a pullable Location', async () => {
    const blob = randomBlob(2000);
    const result = await call(base, 'POST', `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: blob.bytes,
    });
    await expectCreated(result, blob);
  });

  it('a single POST whose bytes do not match the digest is 400 DIGEST_INVALID and stores nothing', async () => {
    const blob = randomBlob(500);
    const claimed = unknownDigest();
    const result = await call(base, 'POST', `/v2/${repo}/blobs/uploads/?digest=${claimed}`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: blob.bytes,
    });
    expectOciError(result, 400, 'DIGEST_INVALID');
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${claimed}`)).status).toBe(404);
  });

  it('a PUT whose bytes do not match the digest is 400 DIGEST_INVALID and stores nothing', async () => {
    const blob = randomBlob(500);
    const claimed = unknownDigest();
    expectOciError(await put(await startUpload(base, repo), claimed, blob.bytes), 400, 'DIGEST_INVALID');
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${claimed}`)).status).toBe(404);
  });

  it('a closing PUT without ?digest= is 400 DIGEST_INVALID', async () => {
    const blob = randomBlob(100);
    expectOciError(await put(await startUpload(base, repo), undefined, blob.bytes), 400, 'DIGEST_INVALID');
  });

  it('pushing a blob that already exists again answers 201', async () => {
    const blob = randomBlob(256);
    await expectCreated(await put(await startUpload(base, repo), blob.digest, blob.bytes), blob);
    await expectCreated(await put(await startUpload(base, repo), blob.digest, blob.bytes), blob);
  });
});

describe('streamed and chunked uploads', () => {
  it('a streamed PATCH without Content-Range answers 202 with Range, then PUT ?digest= closes it', async () => {
    const blob = randomBlob(4096);
    const location = expectProgress(await patch(await startUpload(base, repo), blob.bytes), blob.size - 1);
    await expectCreated(await put(location, blob.digest), blob);
  });

  it('chunks with Content-Range: each 202 reports Range 0-<end>, GET reports progress, PUT closes', async () => {
    const blob = randomBlob(3 * 1024 * 1024 + 17);
    const cut = [0, 1024 * 1024, 2 * 1024 * 1024, blob.size];
    let location = await startUpload(base, repo);
    for (let i = 0; i + 1 < cut.length; i += 1) {
      const [start, end] = [cut[i] ?? 0, (cut[i + 1] ?? 0) - 1];
      location = expectProgress(await patch(location, blob.bytes.subarray(start, end + 1), `${start}-${end}`), end);
      const status = await call(base, 'GET', location);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe(`0-${end}`);
      expect(status.headers.get('location')).not.toBeNull();
      location = status.headers.get('location') ?? location;
    }
    await expectCreated(await put(location, blob.digest), blob);
  });

  it('the final chunk may come with the closing PUT', async () => {
    const blob = randomBlob(5000);
    const first = blob.bytes.subarray(0, 3000);
    const location = expectProgress(await patch(await startUpload(base, repo), first, '0-2999'), 2999);
    await expectCreated(await put(location, blob.digest, blob.bytes.subarray(3000), `3000-${blob.size - 1}`), blob);
  });

  it('a final chunk out of order on the closing PUT is 416 and the session stays, so the upload can resume', async () => {
    const blob = randomBlob(5000);
    const location = expectProgress(await patch(await startUpload(base, repo), blob.bytes.subarray(0, 2000), '0-1999'), 1999);
    // The last bytes, sent as if 3000 bytes had been received (1000 are missing).
    const early = await put(location, blob.digest, blob.bytes.subarray(3000), `3000-${blob.size - 1}`);
    expect(early.status).toBe(416);
    const status = await call(base, 'GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-1999');
    const next = expectProgress(await patch(status.headers.get('location') ?? location, blob.bytes.subarray(2000, 3000), '2000-2999'), 2999);
    await expectCreated(await put(next, blob.digest, blob.bytes.subarray(3000), `3000-${blob.size - 1}`), blob);
  });

  it('a first chunk that does not start at 0 is 416', async () => {
    const blob = randomBlob(2000);
    const result = await patch(await startUpload(base, repo), blob.bytes.subarray(1000), `1000-${blob.size - 1}`);
    expect(result.status).toBe(416);
  });

  it('re-sending an accepted chunk is 416 and GET still reports the accepted range', async () => {
    const blob = randomBlob(2000);
    const chunk = blob.bytes.subarray(0, 1000);
    const started = await startUpload(base, repo);
    const location = expectProgress(await patch(started, chunk, '0-999'), 999);
    expect((await patch(location, chunk, '0-999')).status).toBe(416);
    const status = await call(base, 'GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-999');
    const next = expectProgress(await patch(status.headers.get('location') ?? location, blob.bytes.subarray(1000), '1000-1999'), 1999);
    await expectCreated(await put(next, blob.digest), blob);
  });

  it('a chunk whose Content-Range length differs from its body is refused with a 4xx', async () => {
    const blob = randomBlob(1000);
    const result = await patch(await startUpload(base, repo), blob.bytes.subarray(0, 500), '0-999');
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
  });

  it('GET on a fresh session answers 204 with Location and Range: 0-0', async () => {
    const status = await call(base, 'GET', await startUpload(base, repo));
    expect(status.status).toBe(204);
    expect(status.headers.get('location')).not.toBeNull();
    expect(status.headers.get('range')).toBe('0-0');
  });
});

describe('ending and unknown sessions', () => {
  it('DELETE cancels a session with 204; afterwards it is 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const location = expectProgress(await patch(await startUpload(base, repo), randomBlob(100).bytes), 99);
    expect((await call(base, 'DELETE', location)).status).toBe(204);
    expectOciError(await call(base, 'GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectOciError(await patch(location, randomBlob(10).bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('a session closed by PUT is gone: GET is 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const blob = randomBlob(100);
    const location = expectProgress(await patch(await startUpload(base, repo), blob.bytes), 99);
    expect((await put(location, blob.digest)).status).toBe(201);
    expectOciError(await call(base, 'GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('GET, PATCH, PUT and DELETE of a session that never existed are 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const location = `/v2/${repo}/blobs/uploads/${randomUUID()}`;
    const blob = randomBlob(10);
    expectOciError(await call(base, 'GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectOciError(await patch(location, blob.bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectOciError(await put(location, blob.digest, blob.bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectOciError(await call(base, 'DELETE', location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it("a session is not usable through another repository's path", async () => {
    const location = await startUpload(base, repo);
    const id = new URL(location, base).pathname.split('/').pop() ?? '';
    const other = uniqueRepo('uploads-other');
    await startUpload(base, other);
    expectOciError(await call(base, 'GET', `/v2/${other}/blobs/uploads/${id}`), 404, 'BLOB_UPLOAD_UNKNOWN');
  });
});
