/**
 * The servers and content of the referrers benchmark: an upstream Berth (hosted, authentication
 * off) holding `img:latest` and its referrers, and the Berth under test with a proxy project
 * `bench` in front of it (`referrersProxy` on, authentication on), into which more referrers of the
 * same subject are pushed with the administrator's token.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AUTH_ADMIN, bearerFor } from '../test/api/bearer.js';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, manifestDescriptor, ociManifest, type Blob, type Descriptor, type ManifestDoc } from '../test/api/content.js';
import { REPO, TAG, startBerthWith, type BerthProcess } from './pull-through-servers.js';

/** The repository of the image in Berth's proxy project (`img` upstream). */
export const BENCH_REPO = `bench/${REPO}`;
/** The referrers' artifactType, in turn. */
export const ARTIFACT_TYPES = [
  'application/vnd.example.sbom.v1',
  'application/vnd.example.signature.v1',
  'application/vnd.example.provenance.v1',
  'application/vnd.example.vex.v1',
];

// ---- servers --------------------------------------------------------------------------------

/** A Berth process on its own temp data dir, removed by stop(). */
async function startBerthProcess(dir: string, label: string, config: Record<string, unknown>): Promise<BerthProcess> {
  const dataDir = await mkdtemp(join(dir, `${label}-`));
  try {
    const service = await startBerthWith(dataDir, config);
    return {
      url: service.url,
      pid: service.child.pid!,
      stop: () => service.stop().then(() => rm(dataDir, { recursive: true, force: true })),
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The upstream: a second Berth with a hosted project `img`, authentication off. */
export function startUpstreamBerth(dir: string): Promise<BerthProcess> {
  return startBerthProcess(dir, 'upstream', {
    projects: [{ name: REPO, kind: 'hosted', public: true }],
    auth: { enabled: false },
  });
}

/**
 * The Berth under test: embedded, authentication on (the admin's password is the API tests' one, so
 * their token dance works as is), proxy project `bench` public with `referrersProxy`, one page
 * large enough for every referrer, the referrers cache on Redis when `redisUrl` is given.
 */
export function startBerthUnderTest(dir: string, upstreamUrl: string, redisUrl?: string): Promise<BerthProcess> {
  return startBerthProcess(dir, 'berth', {
    projects: [{ name: 'bench', kind: 'proxy', public: true, referrersProxy: true, upstream: { url: upstreamUrl } }],
    auth: { admin: { password: AUTH_ADMIN.password } },
    limits: { referrersPageMaxDescriptors: 1000 },
    ...(redisUrl === undefined ? {} : { redis: { url: redisUrl } }),
  });
}

/** A push token for `repo` from Berth's /token, with the admin's Basic credentials. */
export async function pushToken(base: string, repo: string): Promise<string> {
  const token = await bearerFor(base, [`repository:${repo}:pull,push`]);
  if (token === undefined) throw new Error(`${base} has no token endpoint`);
  return token;
}

// ---- content --------------------------------------------------------------------------------

async function send(url: string, init: { method: string; token?: string; headers?: Record<string, string>; body?: Buffer }): Promise<Response> {
  const headers = { ...init.headers, ...(init.token === undefined ? {} : { Authorization: `Bearer ${init.token}` }) };
  return fetch(url, { method: init.method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
}

/** POST then monolithic PUT of a small blob. */
async function pushBlob(base: string, repo: string, blob: Blob, token?: string): Promise<void> {
  const post = await send(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', token, headers: { 'Content-Length': '0' } });
  await post.arrayBuffer();
  const location = post.headers.get('location');
  if (post.status !== 202 || location === null) throw new Error(`${base}: upload POST in ${repo} answered ${post.status}`);
  const url = new URL(location, base);
  url.searchParams.set('digest', blob.digest);
  const put = await send(url.toString(), { method: 'PUT', token, headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
  if (put.status !== 201) throw new Error(`${base}: blob PUT of ${blob.digest} in ${repo} answered ${put.status} ${await put.text()}`);
  await put.arrayBuffer();
}

async function pushManifest(base: string, repo: string, reference: string, doc: ManifestDoc, token?: string): Promise<void> {
  const put = await send(`${base}/v2/${repo}/manifests/${reference}`, { method: 'PUT', token, headers: { 'Content-Type': doc.mediaType }, body: doc.bytes });
  if (put.status !== 201) throw new Error(`${base}: manifest PUT ${repo}:${reference} answered ${put.status} ${await put.text()}`);
  await put.arrayBuffer();
}

/** `img:latest` on the upstream, a small image: its descriptor, the referrers' subject. */
export async function pushSubjectImage(base: string): Promise<Descriptor> {
  const config = blobOf(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = blobOf('the subject image layer');
  for (const blob of [config, layer]) await pushBlob(base, REPO, blob);
  const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, layer)] });
  await pushManifest(base, REPO, TAG, manifest);
  return manifestDescriptor(manifest);
}

/**
 * `count` artifact manifests about `subject` in `repo`, pushed by digest: the empty config `{}`,
 * one small layer of their own (named by `label`, so two pushes never share one), artifactType in
 * turn from ARTIFACT_TYPES. Returns their digests.
 */
export async function pushReferrers(base: string, repo: string, subject: Descriptor, count: number, label: string, token?: string): Promise<string[]> {
  await pushBlob(base, repo, EMPTY_JSON, token);
  const digests: string[] = [];
  for (let i = 0; i < count; i++) {
    const layer = blobOf(`${label} referrer ${i}`);
    await pushBlob(base, repo, layer, token);
    const doc = ociManifest({
      artifactType: ARTIFACT_TYPES[i % ARTIFACT_TYPES.length]!,
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/vnd.example.payload.v1', layer)],
      subject,
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'org.example.name': `${label}-${i}` },
    });
    await pushManifest(base, repo, doc.digest, doc, token);
    digests.push(doc.digest);
  }
  return digests;
}
