import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@berth/db';
import { EMPTY_JSON, MANIFEST_ACCEPT, MEDIA, descriptor, ociManifest, randomBlob } from '../api/content.js';
import { basicHeader, send, type Credentials } from '../auth/registry-http.js';
import { dancePushBlob, tokenFetch } from '../auth/token-dance.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { pushImage, type PushedImage } from '../upstream/push.js';
import { MANIFEST_PATH } from './setup.js';

// One repository per upstream repository: `hub/web`, `hub/library/web` and `library/web?ns=docker.io`
// are one Berth repository, `hub/library/web` (as Harbor names it). A referrer attached under one
// name is listed under all; one purge covers all; a database that kept two names merges them at start.

const ADMIN: Credentials = { username: 'admin', password: 'canonical-admin-1' };
let upstream: DockerRegistryUnderTest;
let relay: FaultRelay;
let dataDir: string;
let berth: BerthUnderTest;
let image: PushedImage;

async function start(): Promise<BerthUnderTest> {
  return startBerth({
    dataDir,
    config: {
      auth: { admin: ADMIN },
      projects: [{ kind: 'proxy', name: 'hub', public: true, ns: ['docker.io'], nameMapping: { dockerHubLibrary: 'on' }, upstream: { url: relay.url } }],
    },
  });
}

beforeAll(async () => {
  upstream = await startDockerRegistry();
  relay = await startFaultRelay(upstream.url);
  dataDir = await mkdtemp(join(tmpdir(), 'berth-canonical-'));
  berth = await start();
  image = await pushImage(upstream.url, 'library/web', 'v1', [64]);
}, 120_000);

afterAll(async () => {
  await berth?.stop();
  await relay?.stop();
  await upstream?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

const referrersAt = async (path: string) =>
  (await send(berth.url, 'GET', path)).json<{ manifests: Array<{ digest: string }> }>().manifests.map((entry) => entry.digest);

const catalog = async () =>
  (await send(berth.url, 'GET', '/v2/_catalog', { headers: { Authorization: basicHeader(ADMIN) } })).json<{ repositories: string[] }>().repositories;

describe('names of one upstream repository', () => {
  let signature: string;

  it('a referrer attached at hub/web is listed at hub/library/web and through ?ns=docker.io', async () => {
    expect((await send(berth.url, 'GET', '/v2/hub/web/manifests/v1', { headers: { Accept: MANIFEST_ACCEPT } })).status).toBe(200);
    const payload = randomBlob(40);
    for (const blob of [EMPTY_JSON, payload]) await dancePushBlob(berth.url, 'hub/web', blob, ADMIN);
    const referrer = ociManifest({
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/vnd.example.signature', payload)],
      subject: descriptor(MEDIA.ociManifest, image.manifest),
      artifactType: 'application/vnd.example.signature',
    });
    const put = await tokenFetch(berth.url, 'PUT', `/v2/hub/web/manifests/${referrer.digest}`, { headers: { 'Content-Type': referrer.mediaType }, body: referrer.bytes }, ADMIN);
    expect(put.status).toBe(201);
    signature = referrer.digest;
    const subject = image.manifest.digest;
    expect(await referrersAt(`/v2/hub/web/referrers/${subject}`)).toContain(signature);
    expect(await referrersAt(`/v2/hub/library/web/referrers/${subject}`)).toContain(signature);
    expect(await referrersAt(`/v2/library/web/referrers/${subject}?ns=docker.io`)).toContain(signature);
    expect(await referrersAt(`/v2/web/referrers/${subject}?ns=docker.io`)).toContain(signature);
  });

  it('the catalog lists one repository, under the canonical name', async () => {
    const names = await catalog();
    expect(names).toContain('hub/library/web');
    expect(names).not.toContain('hub/web');
  });

  it('one purge, under either name, forgets the cached image for every name', async () => {
    const purge = await send(berth.url, 'POST', '/api/v1/projects/hub/cache/purge', {
      headers: { Authorization: basicHeader(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ repository: 'hub/web' }),
    });
    expect(purge.status).toBe(200);
    expect(purge.json()).toMatchObject({ repository: 'hub/library/web', manifests: 1 });
    const before = relay.count('GET', MANIFEST_PATH);
    const pulled = await send(berth.url, 'GET', `/v2/library/web/manifests/${image.manifest.digest}?ns=docker.io`, { headers: { Accept: MANIFEST_ACCEPT } });
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('cache-status')).toMatch(/fwd=miss/);
    expect(relay.count('GET', MANIFEST_PATH)).toBe(before + 1);
    // The pushed referrer is not cached content: it stays.
    expect(await referrersAt(`/v2/hub/web/referrers/${image.manifest.digest}`)).toContain(signature);
  });
});

describe('a database that kept one upstream repository under two names', () => {
  it('merges them into the canonical repository at the next start', async () => {
    await berth.stop();
    const metadata = await openDatabase({ dataDir: join(dataDir, 'db') });
    let pushed: string;
    try {
      const project = await metadata.getProject('hub');
      if (project === null) throw new Error('project hub is missing');
      const alias = await metadata.ensureRepository(project.id, 'hub/old');
      await metadata.ensureRepository(project.id, 'hub/library/old');
      const doc = ociManifest({ config: descriptor(MEDIA.ociEmpty, EMPTY_JSON), layers: [] });
      const content = new Uint8Array(doc.bytes);
      pushed = doc.digest;
      await metadata.putManifest({
        repositoryId: alias.id, digest: doc.digest, mediaType: MEDIA.ociManifest, content, subject: null, artifactType: null,
        annotations: null, configMediaType: MEDIA.ociEmpty, source: 'local', blobRefs: [], manifestRefs: [], tags: ['pushed'],
      });
    } finally {
      await metadata.close();
    }
    berth = await start();
    const names = await catalog();
    expect(names).toContain('hub/library/old');
    expect(names).not.toContain('hub/old');
    const got = await send(berth.url, 'GET', '/v2/hub/library/old/manifests/pushed', { headers: { Accept: MANIFEST_ACCEPT } });
    expect(got.status).toBe(200);
    expect(got.headers.get('docker-content-digest')).toBe(pushed);
  });
});
