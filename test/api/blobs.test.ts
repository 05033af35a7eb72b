import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { blobOf, randomBlob, uniqueRepo, unknownDigest, type Blob } from './content.js';
import { call, expectOciError, pushBlob } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Pulling blobs (spec "Pulling blobs" and "Checking if content exists", conformance 01_pull_test.go):
// GET and HEAD with digest, ETag and length headers, and RFC 9110 Range requests.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('blobs');
const blob: Blob = randomBlob(1000);
const empty: Blob = blobOf(Buffer.alloc(0));

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  await pushBlob(base, repo, blob);
  await pushBlob(base, repo, empty);
});

afterAll(async () => {
  await target?.stop();
});

function getBlob(digest: string, headers: Record<string, string> = {}, method = 'GET') {
  return call(base, method, `/v2/${repo}/blobs/${digest}`, { headers });
}

describe('GET and HEAD of a blob', () => {
  it('GET returns the exact bytes with Docker-Content-Digest, quoted-digest ETag and Content-Length', async () => {
    const result = await getBlob(blob.digest);
    expect(result.status).toBe(200);
    expect(result.body.equals(blob.bytes)).toBe(true);
    expect(result.headers.get('docker-content-digest')).toBe(blob.digest);
    expect(result.headers.get('etag')).toBe(`"${blob.digest}"`);
    expect(result.headers.get('content-length')).toBe(String(blob.size));
  });

  it('HEAD answers 200 with the digest and size and no body', async () => {
    const result = await getBlob(blob.digest, {}, 'HEAD');
    expect(result.status).toBe(200);
    expect(result.body.length).toBe(0);
    expect(result.headers.get('docker-content-digest')).toBe(blob.digest);
    expect(result.headers.get('content-length')).toBe(String(blob.size));
  });

  it('the empty blob is served with length 0 and its digest', async () => {
    const result = await getBlob(empty.digest);
    expect(result.status).toBe(200);
    expect(result.body.length).toBe(0);
    expect(result.headers.get('docker-content-digest')).toBe(empty.digest);
    const head = await getBlob(empty.digest, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('0');
  });

  it('GET of an unknown blob is 404 BLOB_UNKNOWN', async () => {
    expectOciError(await getBlob(unknownDigest()), 404, 'BLOB_UNKNOWN');
  });

  it('HEAD of an unknown blob is 404 with no body', async () => {
    const result = await getBlob(unknownDigest(), {}, 'HEAD');
    expect(result.status).toBe(404);
    expect(result.body.length).toBe(0);
  });

  it('a blob pushed to one repository is 404 BLOB_UNKNOWN in a repository that never received it', async () => {
    const other = uniqueRepo('blobs-other');
    await pushBlob(base, other, randomBlob(64));
    expectOciError(await call(base, 'GET', `/v2/${other}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
  });
});

describe('Range requests', () => {
  const size = blob.size;

  async function expectPartial(range: string, start: number, end: number): Promise<void> {
    const result = await getBlob(blob.digest, { Range: range });
    expect(result.status).toBe(206);
    expect(result.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
    expect(result.headers.get('content-length')).toBe(String(end - start + 1));
    expect(result.body.equals(blob.bytes.subarray(start, end + 1))).toBe(true);
  }

  it('bytes=0-99 answers 206 with the first 100 bytes', async () => {
    await expectPartial('bytes=0-99', 0, 99);
  });

  it('a range in the middle answers exactly those bytes', async () => {
    await expectPartial('bytes=123-456', 123, 456);
  });

  it('an open-ended range runs to the last byte', async () => {
    await expectPartial('bytes=900-', 900, size - 1);
  });

  it('a suffix range answers the last N bytes', async () => {
    await expectPartial('bytes=-100', size - 100, size - 1);
  });

  it('an end past the blob is clamped to the last byte', async () => {
    await expectPartial(`bytes=990-${size * 5}`, 990, size - 1);
  });

  it('a suffix longer than the blob answers the whole blob', async () => {
    await expectPartial(`bytes=-${size * 5}`, 0, size - 1);
  });

  it('a range starting at the size is 416 with Content-Range: bytes */size', async () => {
    const result = await getBlob(blob.digest, { Range: `bytes=${size}-` });
    expect(result.status).toBe(416);
    expect(result.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('a range entirely past the end is 416 with Content-Range: bytes */size', async () => {
    const result = await getBlob(blob.digest, { Range: `bytes=${size + 10}-${size + 20}` });
    expect(result.status).toBe(416);
    expect(result.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('consecutive ranges reassemble the whole blob (resumable pull)', async () => {
    const parts: Buffer[] = [];
    for (let start = 0; start < size; start += 300) {
      const end = Math.min(start + 299, size - 1);
      const result = await getBlob(blob.digest, { Range: `bytes=${start}-${end}` });
      expect(result.status).toBe(206);
      parts.push(result.body);
    }
    expect(Buffer.concat(parts).equals(blob.bytes)).toBe(true);
  });
});
