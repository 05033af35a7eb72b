import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import {
  EMPTY_JSON,
  MEDIA,
  blobOf,
  descriptor,
  manifestDescriptor,
  ociIndex,
  ociManifest,
  randomBlob,
  uniqueRepo,
  unknownDigest,
  type Descriptor,
  type ManifestDoc,
} from './content.js';
import { call, describeResult, expectOciError, pushBlob, pushImage, pushManifest, type HttpResult } from './helpers.js';
import { startTarget, type ApiTarget } from './target.js';

// Listing referrers (spec "Listing Referrers" and "Enabling the Referrers API", conformance
// 03_discovery_test.go "listing references"): the image index of manifests whose subject is a digest.

const SBOM = 'application/vnd.example.sbom.v1';
const SIGNATURE_CONFIG = 'application/vnd.example.signature.config.v1+json';
const BUNDLE = 'application/vnd.example.bundle.v1';

// Starting Berth (embedded database, migrations) takes seconds on a shared machine.
jest.setTimeout(120_000);

let target: ApiTarget;
let base: string;
const repo = uniqueRepo('refs');
let subject: Descriptor;
/** The referrers of `subject`, by name: each document and the artifactType its descriptor must carry. */
const referrers = new Map<string, { doc: ManifestDoc; artifactType: string | undefined }>();

async function pushArtifact(
  about: Descriptor,
  artifactType: string | undefined,
  configMediaType: string,
  name: string,
): Promise<ManifestDoc> {
  const config = configMediaType === MEDIA.ociEmpty ? EMPTY_JSON : blobOf(JSON.stringify({ name }));
  const payload = randomBlob(64);
  await pushBlob(base, repo, config);
  await pushBlob(base, repo, payload);
  const doc = ociManifest({
    ...(artifactType !== undefined ? { artifactType } : {}),
    config: descriptor(configMediaType, config),
    layers: [descriptor('application/vnd.example.payload.v1', payload)],
    subject: about,
    annotations: { 'org.example.name': name, 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
  });
  const pushed = await pushManifest(base, repo, doc.digest, doc);
  expect(pushed.headers.get('oci-subject')).toBe(about.digest);
  return doc;
}

async function referrersOf(digest: string, query = ''): Promise<{ result: HttpResult; manifests: Descriptor[] }> {
  const result = await call(base, 'GET', `/v2/${repo}/referrers/${digest}${query}`);
  if (result.status !== 200) throw new Error(`referrers of ${digest}${query}: ${describeResult(result)}`);
  expect(result.headers.get('content-type')).toBe(MEDIA.ociIndex);
  const index = result.json<{ schemaVersion: number; mediaType: string; manifests: Descriptor[] }>();
  expect(index.schemaVersion).toBe(2);
  expect(index.mediaType).toBe(MEDIA.ociIndex);
  expect(Array.isArray(index.manifests)).toBe(true);
  return { result, manifests: index.manifests };
}

const digests = (manifests: Descriptor[]) => manifests.map((m) => m.digest).sort();

beforeAll(async () => {
  target = await startTarget();
  base = target.url;
  subject = manifestDescriptor((await pushImage(base, repo, 'subject')).manifest);

  const sbom = await pushArtifact(subject, SBOM, MEDIA.ociEmpty, 'sbom');
  referrers.set('sbom', { doc: sbom, artifactType: SBOM });
  const signature = await pushArtifact(subject, undefined, SIGNATURE_CONFIG, 'signature');
  referrers.set('signature', { doc: signature, artifactType: SIGNATURE_CONFIG });

  const child = manifestDescriptor((await pushImage(base, repo)).manifest);
  const bundle = ociIndex({ artifactType: BUNDLE, manifests: [child], subject, annotations: { 'org.example.name': 'bundle' } });
  await pushManifest(base, repo, bundle.digest, bundle);
  referrers.set('bundle', { doc: bundle, artifactType: BUNDLE });
  const plain = ociIndex({ manifests: [child], subject, annotations: { 'org.example.name': 'plain-index' } });
  await pushManifest(base, repo, plain.digest, plain);
  referrers.set('plain-index', { doc: plain, artifactType: undefined });

  // Not referrers of `subject`: another subject, and the same subject in another repository.
  const elsewhere = await pushImage(base, repo);
  await pushArtifact(manifestDescriptor(elsewhere.manifest), SBOM, MEDIA.ociEmpty, 'other-subject');
  await pushImage(base, uniqueRepo('refs-other'), undefined, { subject, artifactType: SBOM });
});

afterAll(async () => {
  await target?.stop();
});

describe('GET /v2/<name>/referrers/<digest>', () => {
  it('lists exactly the manifests and indexes of this repository whose subject is the digest', async () => {
    const { manifests } = await referrersOf(subject.digest);
    expect(digests(manifests)).toEqual([...referrers.values()].map((r) => r.doc.digest).sort());
  });

  // artifactType: the manifest's own, else its config media type; omitted for an index without one.
  it('describes each referrer: media type, size, artifactType and annotations', async () => {
    const { manifests } = await referrersOf(subject.digest);
    for (const [name, expected] of referrers) {
      const entry = manifests.find((m) => m.digest === expected.doc.digest);
      if (entry === undefined) throw new Error(`referrer ${name} is missing`);
      expect(entry.mediaType).toBe(expected.doc.mediaType);
      expect(entry.size).toBe(expected.doc.size);
      if (expected.artifactType === undefined) expect(entry).not.toHaveProperty('artifactType');
      else expect(entry.artifactType).toBe(expected.artifactType);
      expect(entry.annotations).toEqual(expected.doc.json.annotations);
    }
  });

  it('?artifactType= keeps only matching referrers and answers OCI-Filters-Applied: artifactType', async () => {
    const { result, manifests } = await referrersOf(subject.digest, `?artifactType=${encodeURIComponent(SBOM)}`);
    expect(result.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(digests(manifests)).toEqual([referrers.get('sbom')?.doc.digest]);
  });

  it('the filter matches an artifactType taken from the config media type', async () => {
    const { result, manifests } = await referrersOf(subject.digest, `?artifactType=${encodeURIComponent(SIGNATURE_CONFIG)}`);
    expect(result.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(digests(manifests)).toEqual([referrers.get('signature')?.doc.digest]);
  });

  it('a filter nothing matches answers an empty list, still with OCI-Filters-Applied', async () => {
    const { result, manifests } = await referrersOf(subject.digest, '?artifactType=application%2Fvnd.example.none');
    expect(result.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(manifests).toEqual([]);
  });

  it('a digest nothing refers to answers 200 with an empty index', async () => {
    const { manifests } = await referrersOf(unknownDigest());
    expect(manifests).toEqual([]);
  });

  it('referrers of a subject that was never pushed are listed', async () => {
    const missing = { mediaType: MEDIA.ociManifest, digest: unknownDigest(), size: 999 };
    const doc = await pushArtifact(missing, SBOM, MEDIA.ociEmpty, 'dangling');
    const { manifests } = await referrersOf(missing.digest);
    expect(digests(manifests)).toEqual([doc.digest]);
  });

  it('a deleted referrer is no longer listed', async () => {
    const about = manifestDescriptor((await pushImage(base, repo)).manifest);
    const kept = await pushArtifact(about, SBOM, MEDIA.ociEmpty, 'kept');
    const dropped = await pushArtifact(about, SBOM, MEDIA.ociEmpty, 'dropped');
    expect(digests((await referrersOf(about.digest)).manifests)).toEqual([kept.digest, dropped.digest].sort());
    expect((await call(base, 'DELETE', `/v2/${repo}/manifests/${dropped.digest}`)).status).toBe(202);
    expect(digests((await referrersOf(about.digest)).manifests)).toEqual([kept.digest]);
  });

  it('an invalid digest is 400 DIGEST_INVALID', async () => {
    for (const bad of ['sha256:abc', 'sha256:' + 'g'.repeat(64), 'not-a-digest']) {
      expectOciError(await call(base, 'GET', `/v2/${repo}/referrers/${bad}`), 400, 'DIGEST_INVALID');
    }
  });
});

describe('referrers tag schema (pre-existing referrers lists)', () => {
  it('manifests listed in a sha256-<hex> tagged index are included once each', async () => {
    const about = manifestDescriptor((await pushImage(base, repo)).manifest);
    const listed = await pushArtifact(about, SBOM, MEDIA.ociEmpty, 'listed');
    const entry = manifestDescriptor(listed, { artifactType: SBOM, annotations: { 'org.example.name': 'listed' } });
    const fallback = ociIndex({ manifests: [entry] });
    await pushManifest(base, repo, about.digest.replace(':', '-'), fallback);
    const { manifests } = await referrersOf(about.digest);
    expect(digests(manifests)).toEqual([listed.digest]);
  });

  it('a listed manifest stored without a subject (cosign-style) is included as the index describes it', async () => {
    const about = manifestDescriptor((await pushImage(base, repo)).manifest);
    const payload = randomBlob(64);
    await pushBlob(base, repo, EMPTY_JSON);
    await pushBlob(base, repo, payload);
    const unattached = ociManifest({ config: descriptor(MEDIA.ociEmpty, EMPTY_JSON), layers: [descriptor('application/vnd.example.payload.v1', payload)] });
    await pushManifest(base, repo, `${about.digest.replace(':', '-')}.sig`, unattached);
    const entry = manifestDescriptor(unattached, { artifactType: SBOM });
    await pushManifest(base, repo, about.digest.replace(':', '-'), ociIndex({ manifests: [entry] }));
    const { manifests } = await referrersOf(about.digest);
    expect(manifests).toEqual([entry]);
  });

  it('entries of a tag-schema index whose manifest names another subject are not listed', async () => {
    const about = manifestDescriptor((await pushImage(base, repo)).manifest);
    const other = manifestDescriptor((await pushImage(base, repo)).manifest);
    const own = await pushArtifact(about, SBOM, MEDIA.ociEmpty, 'own');
    const foreign = await pushArtifact(other, SBOM, MEDIA.ociEmpty, 'foreign');
    const fallback = ociIndex({
      manifests: [manifestDescriptor(own, { artifactType: SBOM }), manifestDescriptor(foreign, { artifactType: SBOM })],
    });
    await pushManifest(base, repo, about.digest.replace(':', '-'), fallback);
    expect(digests((await referrersOf(about.digest)).manifests)).toEqual([own.digest]);
  });
});
