import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import {
  MEDIA,
  descriptor,
  dockerManifest,
  dockerManifestList,
  manifestDescriptor,
  ociIndex,
  randomBlob,
  randomConfig,
  uniqueRepo,
  unknownDigest,
  type ManifestDoc,
} from './content.js';
import { call, expectOciError, getManifest, pushBlob, pushImage, pushManifest } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Content management (spec "Content Management", conformance 04_management_test.go): deleting
// tags, manifests and blobs, and what remains visible afterwards.

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
});

afterAll(async () => {
  await target?.stop();
});

async function tagsOf(repo: string): Promise<string[]> {
  const result = await call(base, 'GET', `/v2/${repo}/tags/list`);
  expect(result.status).toBe(200);
  return result.json<{ tags: string[] }>().tags;
}

describe('deleting tags', () => {
  it('DELETE of a tag answers 202 and removes only that tag', async () => {
    const repo = uniqueRepo('mgmt');
    const { manifest } = await pushImage(base, repo, 'keep');
    await pushManifest(base, repo, 'drop', manifest);
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/drop`)).status).toBe(202);
    expectOciError(await getManifest(base, repo, 'drop'), 404, 'MANIFEST_UNKNOWN');
    expect((await getManifest(base, repo, 'keep')).status).toBe(200);
    const byDigest = await getManifest(base, repo, manifest.digest);
    expect(byDigest.status).toBe(200);
    expect(byDigest.body.equals(manifest.bytes)).toBe(true);
    expect(await tagsOf(repo)).toEqual(['keep']);
  });

  it('a repository whose only tag was deleted still lists its tags: 200 with an empty list', async () => {
    const repo = uniqueRepo('mgmt');
    const { manifest } = await pushImage(base, repo, 'only');
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/only`)).status).toBe(202);
    const result = await call(base, 'GET', `/v2/${repo}/tags/list`);
    expect(result.status).toBe(200);
    expect(result.json()).toEqual({ name: repo, tags: [] });
    expect((await getManifest(base, repo, manifest.digest)).status).toBe(200);
  });

  it('DELETE of an unknown tag is 404 MANIFEST_UNKNOWN', async () => {
    const repo = uniqueRepo('mgmt');
    await pushImage(base, repo, 'present');
    expectOciError(await call(base, 'DELETE', `/v2/${repo}/manifests/absent`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('deleting manifests', () => {
  it('DELETE by digest answers 202 and removes the manifest and every tag pointing at it', async () => {
    const repo = uniqueRepo('mgmt');
    const { manifest } = await pushImage(base, repo, 'one');
    await pushManifest(base, repo, 'two', manifest);
    const other = await pushImage(base, repo, 'other');
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/${manifest.digest}`)).status).toBe(202);
    expectOciError(await getManifest(base, repo, manifest.digest), 404, 'MANIFEST_UNKNOWN');
    expect((await getManifest(base, repo, manifest.digest, 'HEAD')).status).toBe(404);
    for (const tag of ['one', 'two']) expectOciError(await getManifest(base, repo, tag), 404, 'MANIFEST_UNKNOWN');
    expect((await getManifest(base, repo, other.manifest.digest)).status).toBe(200);
    expect(await tagsOf(repo)).toEqual(['other']);
  });

  it('DELETE of an unknown digest is 404 MANIFEST_UNKNOWN', async () => {
    const repo = uniqueRepo('mgmt');
    await pushImage(base, repo, 'present');
    expectOciError(await call(base, 'DELETE', `/v2/${repo}/manifests/${unknownDigest()}`), 404, 'MANIFEST_UNKNOWN');
  });

  it('a deleted manifest can be pushed again', async () => {
    const repo = uniqueRepo('mgmt');
    const { manifest } = await pushImage(base, repo, 'again');
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/${manifest.digest}`)).status).toBe(202);
    await pushManifest(base, repo, 'again', manifest);
    const pulled = await getManifest(base, repo, 'again');
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(manifest.bytes)).toBe(true);
  });

  it('deleting a manifest in one repository leaves the same manifest in another', async () => {
    const first = uniqueRepo('mgmt');
    const second = uniqueRepo('mgmt');
    const { manifest, config, layers } = await pushImage(base, first, 'shared');
    for (const blob of [config, ...layers]) await pushBlob(base, second, blob);
    await pushManifest(base, second, 'shared', manifest);
    expect((await call(base, 'DELETE', `/v2/${first}/manifests/${manifest.digest}`)).status).toBe(202);
    expect((await getManifest(base, second, 'shared')).status).toBe(200);
  });
});

/** A Docker schema2 manifest over fresh blobs in `repo`, not yet pushed itself. */
async function dockerImage(repo: string): Promise<ManifestDoc> {
  const config = randomConfig();
  const layer = randomBlob(200);
  await pushBlob(base, repo, config);
  await pushBlob(base, repo, layer);
  return dockerManifest(descriptor(MEDIA.dockerConfig, config), [descriptor(MEDIA.dockerLayer, layer)]);
}

/** A manifest of `mediaType` whose references are all in `repo`, not yet pushed itself. */
async function manifestOfType(repo: string, mediaType: string): Promise<ManifestDoc> {
  if (mediaType === MEDIA.dockerManifest) return dockerImage(repo);
  if (mediaType === MEDIA.dockerList) {
    const child = await dockerImage(repo);
    await pushManifest(base, repo, child.digest, child);
    return dockerManifestList([manifestDescriptor(child, { platform: { os: 'linux', architecture: 'amd64' } })]);
  }
  const child = await pushImage(base, repo);
  return ociIndex({ manifests: [manifestDescriptor(child.manifest)] });
}

describe.each([
  ['an OCI image index', MEDIA.ociIndex],
  ['a Docker schema2 manifest', MEDIA.dockerManifest],
  ['a Docker manifest list', MEDIA.dockerList],
])('deleting %s', (_kind, mediaType) => {
  it('by tag removes the tag only; by digest removes the manifest', async () => {
    const repo = uniqueRepo('mgmt');
    const doc = await manifestOfType(repo, mediaType);
    expect(doc.mediaType).toBe(mediaType);
    await pushManifest(base, repo, 'first', doc);
    await pushManifest(base, repo, 'second', doc);
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/first`)).status).toBe(202);
    expect((await getManifest(base, repo, 'first')).status).toBe(404);
    expect((await getManifest(base, repo, 'second')).body.equals(doc.bytes)).toBe(true);
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/${doc.digest}`)).status).toBe(202);
    expectOciError(await getManifest(base, repo, doc.digest), 404, 'MANIFEST_UNKNOWN');
    expectOciError(await getManifest(base, repo, 'second'), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('deleting blobs', () => {
  it('DELETE of a blob answers 202; afterwards GET is 404 BLOB_UNKNOWN', async () => {
    const repo = uniqueRepo('mgmt');
    const blob = randomBlob(300);
    await pushBlob(base, repo, blob);
    expect((await call(base, 'DELETE', `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(202);
    expectOciError(await call(base, 'GET', `/v2/${repo}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
    expect((await call(base, 'HEAD', `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(404);
  });

  it('DELETE of an unknown blob is 404 BLOB_UNKNOWN', async () => {
    const repo = uniqueRepo('mgmt');
    await pushBlob(base, repo, randomBlob(10));
    expectOciError(await call(base, 'DELETE', `/v2/${repo}/blobs/${unknownDigest()}`), 404, 'BLOB_UNKNOWN');
  });

  it('deleting a blob from one repository leaves it readable in another', async () => {
    const first = uniqueRepo('mgmt');
    const second = uniqueRepo('mgmt');
    const blob = randomBlob(300);
    await pushBlob(base, first, blob);
    await pushBlob(base, second, blob);
    expect((await call(base, 'DELETE', `/v2/${first}/blobs/${blob.digest}`)).status).toBe(202);
    const pulled = await call(base, 'GET', `/v2/${second}/blobs/${blob.digest}`);
    expect(pulled.status).toBe(200);
    expect(pulled.body.equals(blob.bytes)).toBe(true);
  });

  it('a deleted blob can be pushed again', async () => {
    const repo = uniqueRepo('mgmt');
    const blob = randomBlob(300);
    await pushBlob(base, repo, blob);
    expect((await call(base, 'DELETE', `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(202);
    await pushBlob(base, repo, blob);
    expect((await call(base, 'GET', `/v2/${repo}/blobs/${blob.digest}`)).body.equals(blob.bytes)).toBe(true);
  });
});
