import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { MEDIA, descriptor, ociIndex, ociManifest, randomBlob, randomConfig, uniqueRepo, type Blob } from './content.js';
import {
  SPEC_ERROR_CODES,
  call,
  describeResult,
  errorEntries,
  expectOciError,
  getManifest,
  pushBlob,
  pushImage,
  startUpload,
  withQuery,
  type HttpResult,
} from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Error answers (spec "Error Codes", conformance 07_error_codes_test.go): the JSON error body with
// the right code and status for invalid names, digests, references, manifests and page sizes.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('errors');
let config: Blob;

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  config = randomConfig();
  await pushBlob(base, repo, config);
  await pushImage(base, repo, 'latest');
});

afterAll(async () => {
  await target?.stop();
});

/** One of several acceptable (status, code) answers. */
function expectOneOf(result: HttpResult, answers: Array<[number, string]>): void {
  const codes = result.status >= 400 ? errorEntries(result).map((entry) => entry.code) : [];
  const matched = answers.some(([status, code]) => result.status === status && codes.includes(code));
  if (!matched) throw new Error(`expected one of ${JSON.stringify(answers)}, got ${describeResult(result)}`);
}

function putRaw(reference: string, body: string | Buffer, contentType: string = MEDIA.ociManifest): Promise<HttpResult> {
  return call(base, 'PUT', `/v2/${repo}/manifests/${reference}`, { headers: { 'Content-Type': contentType }, body });
}

describe('invalid repository names are 400 NAME_INVALID', () => {
  const names = ['Upper/case', 'errors/-leading', 'errors/trailing-', 'errors/a..b', 'errors/a__-b', `errors/${'a'.repeat(260)}`];

  it.each(names)('%s', async (name) => {
    const blob = randomBlob(8);
    const valid = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [] });
    const requests: Array<Promise<HttpResult>> = [
      getManifest(base, name, 'latest'),
      call(base, 'PUT', `/v2/${name}/manifests/latest`, { headers: { 'Content-Type': MEDIA.ociManifest }, body: valid.bytes }),
      call(base, 'GET', `/v2/${name}/blobs/${blob.digest}`),
      call(base, 'POST', `/v2/${name}/blobs/uploads/`, { headers: { 'Content-Length': '0' } }),
      call(base, 'GET', `/v2/${name}/tags/list`),
    ];
    for (const result of await Promise.all(requests)) expectOciError(result, 400, 'NAME_INVALID');
  });
});

describe('invalid digests are 400 DIGEST_INVALID', () => {
  const digests = [
    'sha256:abc',
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'z'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    'sha256',
    'md5:d41d8cd98f00b204e9800998ecf8427e',
  ];

  it.each(digests)('blob GET, HEAD and DELETE of %s', async (digest) => {
    expectOciError(await call(base, 'GET', `/v2/${repo}/blobs/${digest}`), 400, 'DIGEST_INVALID');
    expectOciError(await call(base, 'DELETE', `/v2/${repo}/blobs/${digest}`), 400, 'DIGEST_INVALID');
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${digest}`)).status).toBe(400);
  });

  it.each(digests)('closing an upload and single-POST with ?digest=%s', async (digest) => {
    const blob = randomBlob(16);
    const location = await startUpload(base, repo);
    const octets = { headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes };
    expectOciError(await call(base, 'PUT', withQuery(base, location, { digest }), octets), 400, 'DIGEST_INVALID');
    const posted = await call(base, 'POST', `/v2/${repo}/blobs/uploads/?digest=${encodeURIComponent(digest)}`, octets);
    expectOciError(posted, 400, 'DIGEST_INVALID');
  });

  it('PUT of a manifest under a malformed digest (sha256:totallywrong) is 400 DIGEST_INVALID', async () => {
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [] });
    expectOciError(await putRaw('sha256:totallywrong', doc.bytes), 400, 'DIGEST_INVALID');
  });
});

describe('invalid manifest references', () => {
  const badTags = ['-leading-dash', '.leading-dot', 'a'.repeat(129), 'tag%20space', 'ta+g'];

  it.each(badTags)('PUT under the tag %s is 400 with a spec error code', async (tag) => {
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [] });
    const result = await putRaw(tag, doc.bytes);
    expect(result.status).toBe(400);
    expect(SPEC_ERROR_CODES).toContain(errorEntries(result)[0]?.code);
  });

  it.each([...badTags, 'sha256:abc'])('GET of %s is 404 MANIFEST_UNKNOWN or 400 MANIFEST_INVALID/DIGEST_INVALID', async (reference) => {
    expectOneOf(await getManifest(base, repo, reference), [
      [404, 'MANIFEST_UNKNOWN'],
      [400, 'MANIFEST_INVALID'],
      [400, 'DIGEST_INVALID'],
    ]);
  });
});

describe('invalid manifests are 400 MANIFEST_INVALID', () => {
  const manifest = MEDIA.ociManifest;
  const cases: Array<[string, () => string | Buffer, string]> = [
    ['a body that is not JSON', () => '{"schemaVersion": 2, "mediaType": ', manifest],
    ['an empty body', () => '', manifest],
    ['a JSON array', () => '[]', manifest],
    ['JSON null', () => 'null', manifest],
    ['an image manifest without config', () => JSON.stringify({ schemaVersion: 2, mediaType: manifest, layers: [] }), manifest],
    [
      'layers that are not an array',
      () => JSON.stringify({ schemaVersion: 2, mediaType: manifest, config: descriptor(MEDIA.ociConfig, config), layers: 'x' }),
      manifest,
    ],
    [
      'schemaVersion 3',
      () => JSON.stringify({ schemaVersion: 3, mediaType: manifest, config: descriptor(MEDIA.ociConfig, config), layers: [] }),
      manifest,
    ],
    ['an index without manifests', () => JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex }), MEDIA.ociIndex],
    ['a mediaType field that contradicts Content-Type', () => ociIndex({ manifests: [] }).bytes, manifest],
  ];

  it.each(cases)('%s', async (_name, body, contentType) => {
    const tag = `invalid-${randomBlob(4).digest.slice(-8)}`;
    expectOciError(await putRaw(tag, body(), contentType), 400, 'MANIFEST_INVALID');
    expect((await getManifest(base, repo, tag)).status).toBe(404);
  });
});

describe('invalid page sizes are 400', () => {
  it.each(['-1', 'abc', '1.5', '1e3', '0x10'])('tags/list?n=%s', async (n) => {
    const result = await call(base, 'GET', `/v2/${repo}/tags/list?n=${encodeURIComponent(n)}`);
    expect(result.status).toBe(400);
    errorEntries(result);
  });

  it.each(['-1', 'abc'])('_catalog?n=%s', async (n) => {
    const result = await call(base, 'GET', `/v2/_catalog?n=${encodeURIComponent(n)}`);
    expect(result.status).toBe(400);
    errorEntries(result);
  });
});

describe('error bodies', () => {
  it('every error code answered by these requests is in the spec table', async () => {
    const results = await Promise.all([
      getManifest(base, repo, 'missing'),
      call(base, 'GET', `/v2/${repo}/blobs/${randomBlob(4).digest}`),
      putRaw('latest', '{'),
      call(base, 'GET', '/v2/Bad/tags/list'),
    ]);
    for (const result of results) {
      expect(result.status).toBeGreaterThanOrEqual(400);
      expect(result.headers.get('content-type')).toMatch(/^application\/json/);
      for (const entry of errorEntries(result)) expect(SPEC_ERROR_CODES).toContain(entry.code);
    }
  });
});
