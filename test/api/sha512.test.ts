import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { MEDIA, descriptor, digestMatches, ociManifest, randomBlob, randomConfig, uniqueRepo, type Blob } from './content.js';
import { call, describeResult, expectOciError, getManifest, pushBlob, putManifest, withQuery } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// sha512 end to end: uploads announced with ?digest-algorithm=sha512, blobs addressed by sha512
// digests, and a manifest over sha512 blobs pushed and pulled by its own sha512 digest.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('sha512');

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
});

afterAll(async () => {
  await target?.stop();
});

async function uploadSha512(blob: Blob): Promise<void> {
  const started = await call(base, 'POST', `/v2/${repo}/blobs/uploads/?digest-algorithm=sha512`, { headers: { 'Content-Length': '0' } });
  if (started.status !== 202) throw new Error(`starting a sha512 upload: ${describeResult(started)}`);
  const location = started.headers.get('location') ?? '';
  const patched = await call(base, 'PATCH', location, {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${blob.size - 1}` },
    body: blob.bytes,
  });
  expect(patched.status).toBe(202);
  expect(patched.headers.get('range')).toBe(`0-${blob.size - 1}`);
  const closed = await call(base, 'PUT', withQuery(base, patched.headers.get('location') ?? location, { digest: blob.digest }));
  if (closed.status !== 201) throw new Error(`closing a sha512 upload: ${describeResult(closed)}`);
  // The spec lets the header carry the registry's canonical digest; it must still match the content.
  expect(digestMatches(closed.headers.get('docker-content-digest'), blob.bytes)).toBe(true);
}

describe('sha512 digests', () => {
  it('an upload started with ?digest-algorithm=sha512 is closed with a sha512 digest and pulled by it', async () => {
    const blob = randomBlob(3000, 'sha512');
    await uploadSha512(blob);
    const pulled = await call(base, 'GET', `/v2/${repo}/blobs/${blob.digest}`);
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(blob.bytes)).toBe(true);
    expect(digestMatches(pulled.headers.get('docker-content-digest'), blob.bytes)).toBe(true);
    const head = await call(base, 'HEAD', `/v2/${repo}/blobs/${blob.digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(blob.size));
  });

  it('a sha512 upload closed with a wrong sha512 digest is 400 DIGEST_INVALID', async () => {
    const blob = randomBlob(100, 'sha512');
    const other = randomBlob(100, 'sha512');
    const started = await call(base, 'POST', `/v2/${repo}/blobs/uploads/?digest-algorithm=sha512`, { headers: { 'Content-Length': '0' } });
    expect(started.status).toBe(202);
    const closed = await call(base, 'PUT', withQuery(base, started.headers.get('location') ?? '', { digest: other.digest }), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: blob.bytes,
    });
    expectOciError(closed, 400, 'DIGEST_INVALID');
  });

  it('an unsupported ?digest-algorithm is refused with 400', async () => {
    const result = await call(base, 'POST', `/v2/${repo}/blobs/uploads/?digest-algorithm=md5`, { headers: { 'Content-Length': '0' } });
    expect(result.status).toBe(400);
  });

  it('a manifest over sha512 blobs is pushed by its sha512 digest and pulled back byte for byte', async () => {
    const config = randomConfig('sha512');
    const layer = randomBlob(700, 'sha512');
    await uploadSha512(config);
    await uploadSha512(layer);
    const manifest = ociManifest({
      config: descriptor(MEDIA.ociConfig, config),
      layers: [descriptor(MEDIA.ociLayer, layer)],
      algorithm: 'sha512',
    });
    expect(manifest.digest.startsWith('sha512:')).toBe(true);
    const pushed = await putManifest(base, repo, manifest.digest, manifest);
    if (pushed.status !== 201) throw new Error(`pushing a sha512 manifest: ${describeResult(pushed)}`);
    expect(pushed.headers.get('docker-content-digest')).toBe(manifest.digest);
    const pulled = await getManifest(base, repo, manifest.digest);
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(manifest.bytes)).toBe(true);
    expect(digestMatches(pulled.headers.get('docker-content-digest'), manifest.bytes)).toBe(true);
  });

  it('a manifest pushed by sha512 digest with bytes that hash differently is 400 DIGEST_INVALID', async () => {
    const config = randomBlob(64);
    await pushBlob(base, repo, config);
    const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [], algorithm: 'sha512' });
    const wrong = randomBlob(10, 'sha512').digest;
    expectOciError(await putManifest(base, repo, wrong, manifest), 400, 'DIGEST_INVALID');
  });
});
