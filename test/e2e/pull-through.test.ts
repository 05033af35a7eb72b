import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPodmanSandbox,
  ctrImageDigest,
  ctrPull,
  ctrSnapshotKeys,
  podmanImageDigest,
  podmanPull,
  skopeoCopy,
  startContainerd,
  type ContainerdUnderTest,
} from '../harness/clients.js';
import { MANIFEST_ACCEPT } from '../api/content.js';
import type { BuiltImage } from '../harness/oci-image.js';
import { BLOB_PATH, MANIFEST_PATH, pushUpstreamImage, startProxySetup, type ProxySetup } from '../proxy/setup.js';

// Real clients pulling through a Berth proxy project `hub` whose upstream is a docker-registry behind
// a fault relay (which counts upstream requests and can go down). Images are pushed straight to the
// upstream, so the relay sees only what Berth asks for.

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const MiB = 1024 * 1024;

let setup: ProxySetup;
let work: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-pull-through-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  // A 1 s tag TTL, so the outage test can reach the stale path by waiting.
  setup = await startProxySetup([
    { name: 'hub', kind: 'proxy', ns: ['docker.io'], nameMapping: { dockerHubLibrary: 'on' }, tagTtlSeconds: 1 },
  ]);
  cleanups.push(() => setup.stop());
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});


/** Every blob of the image: configs (read from its platform manifests) and layers. */
async function blobDigestsOf(image: BuiltImage): Promise<string[]> {
  const blobPath = (digest: string) => join(image.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const manifests = await Promise.all(image.manifestDigests.map(async (d) => JSON.parse(await readFile(blobPath(d), 'utf8')) as { config: { digest: string } }));
  return [...new Set([...manifests.map((m) => m.config.digest), ...image.layers.map((l) => l.digest)])];
}

const upstreamGets = (repository: string, pattern: RegExp) =>
  setup.relay.requests().filter((r) => r.method === 'GET' && r.path.startsWith(`/v2/library/${repository}/`) && pattern.test(r.path)).length;

/** One counter sample of Berth's /metrics, matched on every given label (0 when absent). */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${setup.berth.url}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return 0;
}

/** Copy out of Berth into a fresh OCI layout; returns the layout's top digest for `tag`. */
async function copyOut(repository: string, tag: string, dirName: string): Promise<string> {
  const out = join(work, dirName);
  await skopeoCopy(`docker://${setup.berth.host}/hub/${repository}:${tag}`, `oci:${out}:${tag}`, { all: true, preserveDigests: true });
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)?.digest ?? '';
}

describe('podman (vfs)', () => {
  it('pulls by project prefix the same image, ID and digest as straight from the upstream', async () => {
    const image = await pushUpstreamImage(setup, work, 'podimg', { tag: 'v1', layerSizes: [MiB], seed: 'pull-through-podman' });
    const direct = await createPodmanSandbox({ insecureRegistries: [setup.upstream.host] });
    cleanups.push(() => direct.stop());
    const viaBerth = await createPodmanSandbox({ insecureRegistries: [setup.berth.host] });
    cleanups.push(() => viaBerth.stop());

    const directId = await podmanPull(direct, `${setup.upstream.host}/library/podimg:v1`);
    const berthRef = `${setup.berth.host}/hub/podimg:v1`;
    const berthId = await podmanPull(viaBerth, berthRef);
    expect(berthId).toBe(directId);
    expect(await podmanImageDigest(viaBerth, berthRef)).toBe(image.topDigest);
    expect(await podmanImageDigest(direct, `${setup.upstream.host}/library/podimg:v1`)).toBe(image.topDigest);
    // The dockerHubLibrary mapping: hub/podimg was fetched upstream as library/podimg.
    expect(upstreamGets('podimg', BLOB_PATH)).toBe(image.layers.length + 1);
  });
});

describe('containerd (ctr)', () => {
  let containerd: ContainerdUnderTest;
  let image: BuiltImage;

  beforeAll(async () => {
    containerd = await startContainerd();
    cleanups.push(() => containerd.stop());
    image = await pushUpstreamImage(setup, work, 'ctrimg', { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [512 * 1024], seed: 'pull-through-ctr' });
  });

  it('pulls and unpacks by tag', async () => {
    const ref = `${setup.berth.host}/hub/ctrimg:v1`;
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/amd64' });
    expect(await ctrImageDigest(containerd, ref)).toBe(image.indexDigest);
    expect(await ctrSnapshotKeys(containerd)).toContain(image.chainIds[0]);
  });

  it('pulls and unpacks by digest', async () => {
    const ref = `${setup.berth.host}/hub/ctrimg@${image.indexDigest ?? ''}`;
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/arm64' });
    expect(await ctrImageDigest(containerd, ref)).toBe(image.indexDigest);
    expect(await ctrSnapshotKeys(containerd)).toContain(image.chainIds[1]);
  });
});

describe('concurrent pulls of a cold image', () => {
  it('8 parallel skopeo copies cost one upstream GET per blob', async () => {
    const image = await pushUpstreamImage(setup, work, 'burst', { tag: 'v1', layerSizes: [16 * MiB, 2 * MiB], seed: 'pull-through-burst' });
    const blobs = await blobDigestsOf(image);
    const blobGetsBefore = await metric('berth_proxy_upstream_requests_total', { project: 'hub', kind: 'blob-get' });

    const tops = await Promise.all(Array.from({ length: 8 }, (_, i) => copyOut('burst', 'v1', `burst-${i}`)));
    expect(tops).toEqual(Array.from({ length: 8 }, () => image.topDigest));
    for (const digest of blobs) {
      expect({ digest, gets: upstreamGets('burst', new RegExp(`/blobs/${digest}$`)) }).toEqual({ digest, gets: 1 });
    }
    expect(upstreamGets('burst', BLOB_PATH)).toBe(blobs.length);
    const blobGetsAfter = await metric('berth_proxy_upstream_requests_total', { project: 'hub', kind: 'blob-get' });
    expect(blobGetsAfter - blobGetsBefore).toBe(blobs.length);
  });
});

// Last in the file: it takes the upstream down.
describe('skopeo, multi-platform', () => {
  let image: BuiltImage;

  beforeAll(async () => {
    image = await pushUpstreamImage(setup, work, 'multi', { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [256 * 1024], seed: 'pull-through-multi' });
  });

  it('copies out of the proxy project with every digest and the index bytes as the upstream has them', async () => {
    expect(await copyOut('multi', 'v1', 'multi-1')).toBe(image.indexDigest);
    const out = join(work, 'multi-1', 'blobs', 'sha256');
    const indexDigest = image.indexDigest ?? '';
    const upstreamIndex = await readFile(join(image.dir, 'blobs', 'sha256', indexDigest.slice(7)));
    expect((await readFile(join(out, indexDigest.slice(7)))).equals(upstreamIndex)).toBe(true);
    for (const digest of [...image.manifestDigests, ...(await blobDigestsOf(image))]) {
      const copied = await readFile(join(out, digest.slice(7)));
      expect(copied.equals(await readFile(join(image.dir, 'blobs', 'sha256', digest.slice(7))))).toBe(true);
    }
    expect(upstreamGets('multi', BLOB_PATH)).toBeGreaterThan(0);
  });

  it('copies a second time with no upstream blob or manifest GET', async () => {
    const blobs = upstreamGets('multi', BLOB_PATH);
    const manifests = upstreamGets('multi', MANIFEST_PATH);
    expect(await copyOut('multi', 'v1', 'multi-2')).toBe(image.indexDigest);
    expect(upstreamGets('multi', BLOB_PATH)).toBe(blobs);
    expect(upstreamGets('multi', MANIFEST_PATH)).toBe(manifests);
  });

  it('copies a third time with the upstream down, serving the tag stale after its TTL', async () => {
    await setup.relay.down();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await copyOut('multi', 'v1', 'multi-3')).toBe(image.indexDigest);
      const response = await fetch(`${setup.berth.url}/v2/hub/multi/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(image.indexDigest);
      expect(response.headers.get('cache-status')).toMatch(/^Berth; hit; detail="stale: upstream /);
      const child = await fetch(`${setup.berth.url}/v2/hub/multi/manifests/${image.manifestDigests[1] ?? ''}`, {
        headers: { accept: MANIFEST_ACCEPT },
      });
      expect(child.headers.get('cache-status')).toBe('Berth; hit');
    } finally {
      await setup.relay.up();
    }
  });
});
