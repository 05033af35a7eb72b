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
import { call, errorEntries, expectOciError, getManifest, pushBlob, pushImage, pushManifest } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Pull workflow (spec "Pull", conformance 01_pull_test.go) plus Berth's header requirements:
// manifests of all four supported types, by tag and by digest, GET and HEAD.

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('pull');
const docs = new Map<string, { tag: string; doc: ManifestDoc }>();

async function pushDockerImage(tag?: string): Promise<ManifestDoc> {
  const config = randomConfig();
  const layer = randomBlob(600);
  await pushBlob(base, repo, config);
  await pushBlob(base, repo, layer);
  const doc = dockerManifest(descriptor(MEDIA.dockerConfig, config), [descriptor(MEDIA.dockerLayer, layer)]);
  await pushManifest(base, repo, tag ?? doc.digest, doc);
  return doc;
}

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  const oci = await pushImage(base, repo, 'oci-image', { layerCount: 2 });
  docs.set('OCI image manifest', { tag: 'oci-image', doc: oci.manifest });

  const docker = await pushDockerImage('docker-image');
  docs.set('Docker schema2 manifest', { tag: 'docker-image', doc: docker });

  const armOci = await pushImage(base, repo);
  const index = ociIndex({
    manifests: [manifestDescriptor(oci.manifest, { platform: AMD64 }), manifestDescriptor(armOci.manifest, { platform: ARM64 })],
  });
  await pushManifest(base, repo, 'oci-index', index);
  docs.set('OCI image index', { tag: 'oci-index', doc: index });

  const armDocker = await pushDockerImage();
  const list = dockerManifestList([manifestDescriptor(docker, { platform: AMD64 }), manifestDescriptor(armDocker, { platform: ARM64 })]);
  await pushManifest(base, repo, 'docker-list', list);
  docs.set('Docker manifest list', { tag: 'docker-list', doc: list });
});

afterAll(async () => {
  await target?.stop();
});

describe('GET /v2/ (API version check)', () => {
  it('answers 200 with Docker-Distribution-API-Version: registry/2.0', async () => {
    const result = await call(base, 'GET', '/v2/');
    expect(result.status).toBe(200);
    expect(result.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe.each(['OCI image manifest', 'Docker schema2 manifest', 'OCI image index', 'Docker manifest list'])('%s', (kind) => {
  const entry = () => {
    const found = docs.get(kind);
    if (found === undefined) throw new Error(`${kind} was not pushed in beforeAll`);
    return found;
  };

  function expectManifestHeaders(headers: Headers, doc: ManifestDoc): void {
    expect(headers.get('content-type')).toBe(doc.mediaType);
    expect(headers.get('docker-content-digest')).toBe(doc.digest);
    expect(headers.get('etag')).toBe(`"${doc.digest}"`);
    expect(headers.get('content-length')).toBe(String(doc.size));
  }

  it('GET by tag returns the exact pushed bytes with type, digest, ETag and length headers', async () => {
    const { tag, doc } = entry();
    const result = await getManifest(base, repo, tag);
    expect(result.status).toBe(200);
    expect(result.body.equals(doc.bytes)).toBe(true);
    expectManifestHeaders(result.headers, doc);
  });

  it('GET by digest returns the exact pushed bytes with the same headers', async () => {
    const { doc } = entry();
    const result = await getManifest(base, repo, doc.digest);
    expect(result.status).toBe(200);
    expect(result.body.equals(doc.bytes)).toBe(true);
    expectManifestHeaders(result.headers, doc);
  });

  it('HEAD by tag answers 200 with the headers and no body', async () => {
    const { tag, doc } = entry();
    const result = await getManifest(base, repo, tag, 'HEAD');
    expect(result.status).toBe(200);
    expect(result.body.length).toBe(0);
    expectManifestHeaders(result.headers, doc);
  });

  it('HEAD by digest answers 200 with the headers and no body', async () => {
    const { doc } = entry();
    const result = await getManifest(base, repo, doc.digest, 'HEAD');
    expect(result.status).toBe(200);
    expect(result.body.length).toBe(0);
    expectManifestHeaders(result.headers, doc);
  });
});

describe('missing manifests', () => {
  it('GET of an unknown tag is 404 MANIFEST_UNKNOWN', async () => {
    expectOciError(await getManifest(base, repo, 'no-such-tag'), 404, 'MANIFEST_UNKNOWN');
  });

  it('GET of an unknown digest is 404 MANIFEST_UNKNOWN', async () => {
    expectOciError(await getManifest(base, repo, unknownDigest()), 404, 'MANIFEST_UNKNOWN');
  });

  it('HEAD of an unknown tag or digest is 404 with no body', async () => {
    for (const reference of ['no-such-tag', unknownDigest()]) {
      const result = await getManifest(base, repo, reference, 'HEAD');
      expect(result.status).toBe(404);
      expect(result.body.length).toBe(0);
    }
  });

  it('a manifest of a repository that was never pushed is 404 (MANIFEST_UNKNOWN or NAME_UNKNOWN)', async () => {
    const result = await getManifest(base, uniqueRepo('never'), 'latest');
    expect(result.status).toBe(404);
    const codes = errorEntries(result).map((e) => e.code);
    expect(codes.some((code) => code === 'MANIFEST_UNKNOWN' || code === 'NAME_UNKNOWN')).toBe(true);
  });

  it('a manifest pushed to one repository is not visible in another', async () => {
    const doc = docs.get('OCI image manifest')?.doc;
    if (doc === undefined) throw new Error('OCI image manifest was not pushed');
    const other = uniqueRepo('pull-other');
    await pushImage(base, other, 'present');
    expectOciError(await getManifest(base, other, doc.digest), 404, 'MANIFEST_UNKNOWN');
  });
});
