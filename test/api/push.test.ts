import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import {
  EMPTY_JSON,
  MEDIA,
  descriptor,
  digestOf,
  dockerManifestList,
  manifestDescriptor,
  ociIndex,
  ociManifest,
  randomBlob,
  randomConfig,
  uniqueRepo,
  unknownDigest,
  type Blob,
  type ManifestDoc,
} from './content.js';
import { call, describeResult, expectOciError, getManifest, pushBlob, pushImage, pushManifest, putManifest } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Pushing manifests (spec "Pushing Manifests", conformance 02_push_test.go "Manifest Upload"):
// by tag and digest, digest verification, multiple tags, size limit, references that must exist,
// and subjects that need not.

const MIB = 1024 * 1024;

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('push');
let config: Blob;
let layer: Blob;

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  config = randomConfig();
  layer = randomBlob(512);
  await pushBlob(base, repo, config);
  await pushBlob(base, repo, layer);
});

afterAll(async () => {
  await target?.stop();
});

function imageManifest(annotations?: Record<string, string>): ManifestDoc {
  return ociManifest({
    config: descriptor(MEDIA.ociConfig, config),
    layers: [descriptor(MEDIA.ociLayer, layer)],
    ...(annotations !== undefined ? { annotations } : {}),
  });
}

/** An image manifest padded with an annotation to exactly `size` bytes. */
function manifestOfSize(size: number): ManifestDoc {
  const overhead = imageManifest({ pad: '' }).size;
  const doc = imageManifest({ pad: 'x'.repeat(size - overhead) });
  expect(doc.size).toBe(size);
  return doc;
}

async function expectPushed(result: Awaited<ReturnType<typeof putManifest>>, doc: ManifestDoc): Promise<void> {
  if (result.status !== 201) throw new Error(`expected 201, got ${describeResult(result)}`);
  expect(result.headers.get('docker-content-digest')).toBe(doc.digest);
  const location = result.headers.get('location');
  expect(location).not.toBeNull();
  const pulled = await call(base, 'GET', location ?? '', { headers: { Accept: doc.mediaType } });
  expect(pulled.status).toBe(200);
  expect(pulled.body.equals(doc.bytes)).toBe(true);
}

describe('pushing manifests', () => {
  it('PUT by tag answers 201 with the digest and a pullable Location', async () => {
    const doc = imageManifest({ case: 'by-tag' });
    await expectPushed(await putManifest(base, repo, 'by-tag', doc), doc);
    expect((await getManifest(base, repo, 'by-tag')).body.equals(doc.bytes)).toBe(true);
  });

  it('PUT by digest answers 201 with that digest and a pullable Location', async () => {
    const doc = imageManifest({ case: 'by-digest' });
    await expectPushed(await putManifest(base, repo, doc.digest, doc), doc);
  });

  it('PUT by a digest the bytes do not hash to is 400 DIGEST_INVALID and stores nothing', async () => {
    const doc = imageManifest({ case: 'wrong-digest' });
    const claimed = digestOf(Buffer.from(`${doc.bytes.toString()} `));
    expectOciError(await putManifest(base, repo, claimed, doc), 400, 'DIGEST_INVALID');
    expect((await getManifest(base, repo, claimed)).status).toBe(404);
    expect((await getManifest(base, repo, doc.digest)).status).toBe(404);
  });

  it('the same manifest can be pushed under several tags, and again under the same tag', async () => {
    const doc = imageManifest({ case: 'many-tags' });
    for (const tag of ['test0', 'test1', 'test2', 'test3', 'test0']) {
      await expectPushed(await putManifest(base, repo, tag, doc), doc);
    }
    for (const tag of ['test0', 'test1', 'test2', 'test3']) {
      expect((await getManifest(base, repo, tag, 'HEAD')).headers.get('docker-content-digest')).toBe(doc.digest);
    }
  });

  it('pushing another manifest to an existing tag moves the tag', async () => {
    const first = imageManifest({ case: 'moved-1' });
    const second = imageManifest({ case: 'moved-2' });
    await pushManifest(base, repo, 'moving', first);
    await pushManifest(base, repo, 'moving', second);
    expect((await getManifest(base, repo, 'moving')).body.equals(second.bytes)).toBe(true);
    expect((await getManifest(base, repo, first.digest)).status).toBe(200);
  });

  it('PUT by digest with ?tag=a&tag=b tags the manifest with both', async () => {
    const doc = imageManifest({ case: 'query-tags' });
    const result = await call(base, 'PUT', `/v2/${repo}/manifests/${doc.digest}?tag=qa&tag=qb`, {
      headers: { 'Content-Type': doc.mediaType },
      body: doc.bytes,
    });
    await expectPushed(result, doc);
    for (const tag of ['qa', 'qb']) {
      const pulled = await getManifest(base, repo, tag);
      expect(pulled.status).toBe(200);
      expect(pulled.body.equals(doc.bytes)).toBe(true);
    }
  });

  it('accepts an image manifest with no layers', async () => {
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [] });
    await expectPushed(await putManifest(base, repo, 'no-layers', doc), doc);
  });

  it('accepts an artifact: empty JSON config, artifactType and arbitrary layer media types', async () => {
    const payload = randomBlob(128);
    await pushBlob(base, repo, EMPTY_JSON);
    await pushBlob(base, repo, payload);
    const doc = ociManifest({
      artifactType: 'application/vnd.example.sbom.v1',
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/vnd.example.sbom.layer.v1+json', payload)],
      annotations: { 'org.example.kind': 'sbom' },
    });
    await expectPushed(await putManifest(base, repo, 'artifact', doc), doc);
  });
});

describe('manifest size limit', () => {
  it('accepts a manifest of exactly 4 MiB', async () => {
    const doc = manifestOfSize(4 * MIB);
    await expectPushed(await putManifest(base, repo, 'four-mib', doc), doc);
  });

  it('refuses a manifest over 4 MiB with 413 and stores nothing', async () => {
    const doc = manifestOfSize(4 * MIB + 1);
    const result = await putManifest(base, repo, 'too-big', doc);
    expect(result.status).toBe(413);
    expect((await getManifest(base, repo, 'too-big')).status).toBe(404);
  });
});

describe('references a manifest must satisfy', () => {
  it('a manifest whose layer is missing is 400 MANIFEST_BLOB_UNKNOWN and is not stored', async () => {
    const missing = randomBlob(64);
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, missing)] });
    expectOciError(await putManifest(base, repo, 'missing-layer', doc), 400, 'MANIFEST_BLOB_UNKNOWN');
    expect((await getManifest(base, repo, 'missing-layer')).status).toBe(404);
  });

  it('a manifest whose config is missing is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, randomConfig()), layers: [descriptor(MEDIA.ociLayer, layer)] });
    expectOciError(await putManifest(base, repo, 'missing-config', doc), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('a blob pushed to another repository does not satisfy a manifest here', async () => {
    const elsewhere = randomBlob(64);
    await pushBlob(base, uniqueRepo('push-elsewhere'), elsewhere);
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, elsewhere)] });
    expectOciError(await putManifest(base, repo, 'foreign-layer', doc), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('an OCI index whose child manifest is missing is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const present = await pushImage(base, repo);
    const absent = imageManifest({ case: 'never-pushed' });
    const index = ociIndex({ manifests: [manifestDescriptor(present.manifest), manifestDescriptor(absent)] });
    expectOciError(await putManifest(base, repo, 'index-missing-child', index), 400, 'MANIFEST_BLOB_UNKNOWN');
    expect((await getManifest(base, repo, 'index-missing-child')).status).toBe(404);
  });

  it('a Docker manifest list whose child manifest is missing is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const list = dockerManifestList([
      { mediaType: MEDIA.dockerManifest, digest: unknownDigest(), size: 500, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    expectOciError(await putManifest(base, repo, 'list-missing-child', list), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('a manifest whose subject does not exist is accepted and answers OCI-Subject', async () => {
    const subject = { mediaType: MEDIA.ociManifest, digest: unknownDigest(), size: 1234 };
    const doc = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, layer)], subject });
    const result = await putManifest(base, repo, doc.digest, doc);
    await expectPushed(result, doc);
    expect(result.headers.get('oci-subject')).toBe(subject.digest);
  });

  it('an index with a subject answers OCI-Subject too', async () => {
    const subject = await pushImage(base, repo);
    const child = await pushImage(base, repo);
    const index = ociIndex({ manifests: [manifestDescriptor(child.manifest)], subject: manifestDescriptor(subject.manifest) });
    const result = await putManifest(base, repo, index.digest, index);
    await expectPushed(result, index);
    expect(result.headers.get('oci-subject')).toBe(subject.manifest.digest);
  });
});
