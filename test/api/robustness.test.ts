import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { MEDIA, descriptor, randomBlob, uniqueRepo, unknownDigest, type Blob } from './content.js';
import { call, describeResult, errorEntries, pushBlob, startUpload, withQuery, type HttpResult, type RequestInit } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Bad input never makes the registry fail: every malformed request below must be answered with
// a status under 500, and any JSON error body must have the spec's shape.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('robust');
const blob: Blob = randomBlob(100);

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  await pushBlob(base, repo, blob);
});

afterAll(async () => {
  await target?.stop();
});

function expectClientError(result: HttpResult, what: string): void {
  if (result.status >= 500) throw new Error(`${what} answered ${describeResult(result)}`);
  if (result.status >= 400 && /application\/json/.test(result.headers.get('content-type') ?? '')) errorEntries(result);
}

type Case = [string, string, string, RequestInit];

const goodConfig = () => descriptor(MEDIA.ociConfig, blob);

/** A manifest PUT case: `body` is JSON-encoded unless it is already a string. */
function manifestPut(what: string, body: unknown, contentType: string = MEDIA.ociManifest, reference = 'robust'): Case {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return [what, 'PUT', `/v2/${repo}/manifests/${reference}`, { headers: { 'Content-Type': contentType }, body: text }];
}

/** An image manifest with `config` replaced by the given fields. */
function withConfig(config: object, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MEDIA.ociManifest, config, layers: [], ...extra };
}

function requestCases(): Case[] {
  const digest = blob.digest;
  const blobPath = `/v2/${repo}/blobs/${digest}`;
  return [
    ['NUL in the name', 'GET', `/v2/a%00b/manifests/latest`, {}],
    ['encoded dot segments in the name', 'GET', `/v2/${repo}/%2e%2e/%2e%2e/blobs/${digest}`, {}],
    ['encoded slash in a tag', 'GET', `/v2/${repo}/manifests/a%2Fb`, {}],
    ['a 10 kB name', 'GET', `/v2/${'a'.repeat(10_000)}/tags/list`, {}],
    ['a 10 kB reference', 'GET', `/v2/${repo}/manifests/${'a'.repeat(10_000)}`, {}],
    ['an unknown endpoint', 'GET', `/v2/${repo}/nothing-here`, {}],
    ['PATCH on a manifest', 'PATCH', `/v2/${repo}/manifests/latest`, { body: 'x' }],
    ['POST on a blob', 'POST', blobPath, { body: 'x' }],
    ['a garbage Range', 'GET', blobPath, { headers: { Range: 'bytes=abc' } }],
    ['an inverted Range', 'GET', blobPath, { headers: { Range: 'bytes=50-10' } }],
    ['a Range in another unit', 'GET', blobPath, { headers: { Range: 'items=0-1' } }],
    ['several Ranges', 'GET', blobPath, { headers: { Range: 'bytes=0-1,5-6' } }],
    ['a huge n', 'GET', `/v2/${repo}/tags/list?n=99999999999999999999999`, {}],
    ['a repeated n', 'GET', `/v2/${repo}/tags/list?n=1&n=2`, {}],
    ['an invalid UTF-8 last', 'GET', `/v2/_catalog?last=%ff%fe`, {}],
    ['a mount of an invalid digest', 'POST', `/v2/${repo}/blobs/uploads/?mount=sha256:zz&from=${repo}`, {}],
    ['a mount from an invalid name', 'POST', `/v2/${repo}/blobs/uploads/?mount=${digest}&from=Not..Valid`, {}],
    ['a referrers query with a bad artifactType', 'GET', `/v2/${repo}/referrers/${digest}?artifactType=%ff`, {}],
    ['a referrers path without a digest', 'GET', `/v2/${repo}/referrers/`, {}],
    manifestPut('a manifest that is a JSON number', 2),
    manifestPut('a manifest nested 5000 levels deep', `${'['.repeat(5000)}${']'.repeat(5000)}`),
    manifestPut('a manifest with a string subject', withConfig(goodConfig(), { subject: 'x' })),
    manifestPut('a descriptor with a negative size', withConfig({ ...goodConfig(), size: -1 })),
    manifestPut('a descriptor with an invalid digest', withConfig({ ...goodConfig(), digest: 'sha256:zz' })),
    manifestPut('a descriptor without mediaType', withConfig({ digest: blob.digest, size: blob.size })),
    manifestPut('an index whose manifests is an object', { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: {} }, MEDIA.ociIndex),
    manifestPut('an unknown manifest Content-Type', 'hello', 'text/plain'),
    manifestPut('a schema1 manifest', '{"schemaVersion":1}', 'application/vnd.docker.distribution.manifest.v1+prettyjws'),
    manifestPut('a ?tag= that is not a tag', withConfig(goodConfig()), MEDIA.ociManifest, `${unknownDigest()}?tag=-bad`),
  ];
}

describe('malformed requests are answered without a server error', () => {
  it.each(requestCases())('%s', async (what, method, path, init) => {
    expectClientError(await call(base, method, path, init), what);
  });
});

describe('malformed upload requests are answered without a server error', () => {
  const patch = (l: string, range: string, body?: string) =>
    call(base, 'PATCH', l, { headers: { 'Content-Range': range }, ...(body !== undefined ? { body } : {}) });
  const put = (l: string, digests: string[], init: RequestInit = {}) => {
    const url = digests.reduce((location, digest) => withQuery(base, location, { digest }), l);
    return call(base, 'PUT', url, { body: blob.bytes, ...init });
  };
  const uploadCases: Array<[string, (location: string) => Promise<HttpResult>]> = [
    ['a garbage Content-Range', (l) => patch(l, 'abc', 'xyz')],
    ['an inverted Content-Range', (l) => patch(l, '5-2', 'xyz')],
    ['a bytes-style Content-Range', (l) => patch(l, 'bytes 0-2/3', 'xyz')],
    ['an empty PATCH', (l) => patch(l, '0-0')],
    ['a PUT with a garbage Content-Range', (l) => put(l, [blob.digest], { headers: { 'Content-Range': 'zz' } })],
    ['a PUT with two digests', (l) => put(l, [blob.digest, unknownDigest()])],
    ['a PUT with an empty digest', (l) => put(l, [''])],
    ['a session id that is not a UUID', () => call(base, 'GET', `/v2/${repo}/blobs/uploads/..%2F..%2Fetc`)],
  ];

  it.each(uploadCases)('%s', async (what, send) => {
    expectClientError(await send(await startUpload(base, repo)), what);
  });

  it('the registry still serves after all of the above', async () => {
    const result = await call(base, 'GET', `/v2/${repo}/blobs/${blob.digest}`);
    expect(result.status).toBe(200);
    expect(result.body.equals(blob.bytes)).toBe(true);
  });
});
