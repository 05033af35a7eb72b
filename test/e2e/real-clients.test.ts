import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
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
  podmanPush,
  skopeoCopy,
  skopeoInspectRaw,
  startContainerd,
  type ContainerdUnderTest,
  type PodmanSandbox,
} from '../harness/clients.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';

// Real clients (skopeo, podman with vfs, containerd's ctr) against a registry under test: Berth by
// default; BERTH_E2E_TARGET=docker-registry runs the same file against the reference implementation.

interface RegistryTarget {
  url: string;
  host: string;
  stop(): Promise<void>;
}

async function startTarget(): Promise<RegistryTarget> {
  if (process.env.BERTH_E2E_TARGET === 'docker-registry') {
    const { startDockerRegistry } = await import('../harness/docker-registry.js');
    return startDockerRegistry();
  }
  const { startBerth } = await import('../harness/berth.js');
  return startBerth();
}

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const MiB = 1024 * 1024;

let registry: RegistryTarget;
let work: string;
let multi: BuiltImage;
let forPodman: BuiltImage;
let forCtr: BuiltImage;
let sharedA: BuiltImage;
let sharedB: BuiltImage;
let sameRepoA: BuiltImage;
let sameRepoB: BuiltImage;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-clients-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  registry = await startTarget();
  cleanups.push(() => registry.stop());
  const layout = (name: string) => join(work, name);
  multi = await buildImageLayout(layout('multi'), { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [256 * 1024], seed: 'multi' });
  forPodman = await buildImageLayout(layout('podman'), { tag: 'v1', layerSizes: [MiB], seed: 'podman' });
  forCtr = await buildImageLayout(layout('ctr'), { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [512 * 1024], seed: 'ctr' });
  // Same seed → the 20 MiB layer is shared; the tag makes each image's small first layer differ.
  sharedA = await buildImageLayout(layout('shared'), { tag: 'a', layerSizes: [20 * MiB], seed: 'two-repos' });
  sharedB = await buildImageLayout(layout('shared'), { tag: 'b', layerSizes: [20 * MiB], seed: 'two-repos' });
  sameRepoA = await buildImageLayout(layout('same-repo'), { tag: 'a', layerSizes: [20 * MiB], seed: 'one-repo' });
  sameRepoB = await buildImageLayout(layout('same-repo'), { tag: 'b', layerSizes: [20 * MiB], seed: 'one-repo' });
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function layoutBlob(image: BuiltImage, digest: string): Promise<Buffer> {
  return readFile(join(image.dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

async function fetchBlob(repository: string, digest: string): Promise<Buffer> {
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
  if (response.status !== 200) {
    throw new Error(`GET /v2/${repository}/blobs/${digest} answered ${response.status}: ${await response.text()}`);
  }
  return Buffer.from(await response.arrayBuffer());
}

async function manifestDigest(repository: string, reference: string): Promise<string | null> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
  });
  if (response.status !== 200) throw new Error(`HEAD /v2/${repository}/manifests/${reference} answered ${response.status}`);
  return response.headers.get('docker-content-digest');
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The one layer that both images carry. */
function sharedLayer(a: BuiltImage, b: BuiltImage): { digest: string; size: number } {
  const common = a.layers.filter((layer) => b.layers.some((other) => other.digest === layer.digest));
  expect(common).toHaveLength(1);
  const [layer] = common;
  if (layer === undefined) throw new Error('no shared layer');
  expect(layer.size).toBeGreaterThan(20 * MiB);
  return layer;
}

describe('skopeo', () => {
  it('copies a multi-platform image in and back out with every digest and the index bytes unchanged', async () => {
    const ref = `docker://${registry.host}/e2e/multi:v1`;
    await skopeoCopy(`oci:${multi.dir}:v1`, ref, { all: true, preserveDigests: true });

    const out = join(work, 'multi-out');
    await skopeoCopy(ref, `oci:${out}:v1`, { all: true, preserveDigests: true });
    const outIndex = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
    };
    const top = outIndex.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'v1');
    expect(top?.digest).toBe(multi.indexDigest);
    const copiedIndex = JSON.parse(
      await readFile(join(out, 'blobs', 'sha256', (multi.indexDigest ?? '').slice('sha256:'.length)), 'utf8'),
    ) as { manifests: Array<{ digest: string }> };
    expect(copiedIndex.manifests.map((m) => m.digest)).toEqual(multi.manifestDigests);

    const sourceIndex = await layoutBlob(multi, multi.indexDigest ?? '');
    expect((await skopeoInspectRaw(ref)).equals(sourceIndex)).toBe(true);
    for (const digest of multi.manifestDigests) {
      const raw = await skopeoInspectRaw(`docker://${registry.host}/e2e/multi@${digest}`);
      expect(raw.equals(await layoutBlob(multi, digest))).toBe(true);
    }
  });
});

describe('podman (vfs)', () => {
  let pusher: PodmanSandbox;
  let puller: PodmanSandbox;

  beforeAll(async () => {
    pusher = await createPodmanSandbox({ insecureRegistries: [registry.host] });
    cleanups.push(() => pusher.stop());
    puller = await createPodmanSandbox({ insecureRegistries: [registry.host] });
    cleanups.push(() => puller.stop());
  });

  it('pushes an image and pulls it back into fresh storage with the same digest', async () => {
    const ref = `${registry.host}/e2e/podman:v1`;
    const localId = await podmanPull(pusher, `oci:${forPodman.dir}:v1`);
    const pushedDigest = await podmanPush(pusher, localId, ref);
    expect(pushedDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await manifestDigest('e2e/podman', 'v1')).toBe(pushedDigest);

    const pulledId = await podmanPull(puller, ref);
    expect(pulledId).toBe(localId);
    expect(await podmanImageDigest(puller, ref)).toBe(pushedDigest);
  });
});

describe('containerd (ctr)', () => {
  let containerd: ContainerdUnderTest;

  beforeAll(async () => {
    containerd = await startContainerd();
    cleanups.push(() => containerd.stop());
    await skopeoCopy(`oci:${forCtr.dir}:v1`, `docker://${registry.host}/e2e/ctr:v1`, { all: true, preserveDigests: true });
  });

  it('pulls and unpacks by tag', async () => {
    const ref = `${registry.host}/e2e/ctr:v1`;
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/amd64' });
    expect(await ctrImageDigest(containerd, ref)).toBe(forCtr.indexDigest);
    expect(await ctrSnapshotKeys(containerd)).toContain(forCtr.chainIds[0]);
  });

  it('pulls and unpacks by digest', async () => {
    const ref = `${registry.host}/e2e/ctr@${forCtr.indexDigest ?? ''}`;
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/arm64' });
    expect(await ctrImageDigest(containerd, ref)).toBe(forCtr.indexDigest);
    expect(await ctrSnapshotKeys(containerd)).toContain(forCtr.chainIds[1]);
  });
});

describe('concurrent pushes of one large layer', () => {
  it('two clients pushing to two repositories both succeed and the layer reads back intact', async () => {
    const layer = sharedLayer(sharedA, sharedB);
    await Promise.all([
      skopeoCopy(`oci:${sharedA.dir}:a`, `docker://${registry.host}/e2e/shared-one:a`, { preserveDigests: true }),
      skopeoCopy(`oci:${sharedB.dir}:b`, `docker://${registry.host}/e2e/shared-two:b`, { preserveDigests: true }),
    ]);
    expect(await manifestDigest('e2e/shared-one', 'a')).toBe(sharedA.topDigest);
    expect(await manifestDigest('e2e/shared-two', 'b')).toBe(sharedB.topDigest);
    for (const repository of ['e2e/shared-one', 'e2e/shared-two']) {
      const blob = await fetchBlob(repository, layer.digest);
      expect(blob.length).toBe(layer.size);
      expect(sha256(blob)).toBe(layer.digest);
    }
  });

  it('two clients pushing to the same repository both succeed and the layer reads back intact', async () => {
    const layer = sharedLayer(sameRepoA, sameRepoB);
    await Promise.all([
      skopeoCopy(`oci:${sameRepoA.dir}:a`, `docker://${registry.host}/e2e/same-repo:a`, { preserveDigests: true }),
      skopeoCopy(`oci:${sameRepoB.dir}:b`, `docker://${registry.host}/e2e/same-repo:b`, { preserveDigests: true }),
    ]);
    expect(await manifestDigest('e2e/same-repo', 'a')).toBe(sameRepoA.topDigest);
    expect(await manifestDigest('e2e/same-repo', 'b')).toBe(sameRepoB.topDigest);
    const blob = await fetchBlob('e2e/same-repo', layer.digest);
    expect(blob.length).toBe(layer.size);
    expect(sha256(blob)).toBe(layer.digest);
  });
});
