import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import {
  createPodmanSandbox,
  ctrImageDigest,
  ctrPull,
  podmanImageDigest,
  podmanPull,
  skopeoCopy,
  startContainerd,
} from '../harness/clients.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { AMD64, ARM64, buildImageLayout, type BuiltImage } from '../harness/oci-image.js';
import { Cleanups, scratchDir } from '../harness/scratch.js';
import { BLOB_PATH } from './setup.js';

// Real clients pulling through a virtual-registry project whose first upstream lacks the image
// (404) and whose second has it: skopeo, podman (vfs) and ctr see one registry.

let work: string;
let berth: BerthUnderTest;
const registries: DockerRegistryUnderTest[] = [];
const relays: FaultRelay[] = [];
let image: BuiltImage;
const cleanups = new Cleanups();

beforeAll(async () => {
  work = await scratchDir('berth-multi-clients-', cleanups);
  for (let i = 0; i < 2; i += 1) {
    const registry = await startDockerRegistry();
    cleanups.push(() => registry.stop());
    registries.push(registry);
    const relay = await startFaultRelay(registry.url);
    cleanups.push(() => relay.stop());
    relays.push(relay);
  }
  berth = await startBerth({
    config: { projects: [{ kind: 'proxy', name: 'virt', upstreams: [{ url: relays[0]!.url, name: 'first' }, { url: relays[1]!.url, name: 'second' }] }] },
  });
  cleanups.push(() => berth.stop());
  image = await buildImageLayout(join(work, 'layout'), { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [256 * 1024], seed: 'multi-upstream-clients' });
  await skopeoCopy(`oci:${image.dir}:v1`, `docker://${registries[1]!.host}/tools/img:v1`, { all: true, preserveDigests: true });
}, 120_000);

afterAll(() => cleanups.run());

const blobGets = (index: number) => relays[index]!.requests().filter((r) => r.method === 'GET' && BLOB_PATH.test(r.path)).length;

describe('clients through a virtual-registry project', () => {
  it('skopeo copies every platform, byte for byte, from the second upstream', async () => {
    const out = join(work, 'copied');
    await skopeoCopy(`docker://${berth.host}/virt/tools/img:v1`, `oci:${out}:v1`, { all: true, preserveDigests: true });
    const copied = await layoutDigest(out);
    expect(copied).toBe(image.indexDigest);
    expect(blobGets(0)).toBe(0);
    expect(blobGets(1)).toBeGreaterThan(0);
  });

  it('podman (vfs) pulls the image by tag', async () => {
    const podman = await createPodmanSandbox({ insecureRegistries: [berth.host] });
    cleanups.push(() => podman.stop());
    const ref = `${berth.host}/virt/tools/img:v1`;
    await podmanPull(podman, ref, { platform: 'linux/amd64' });
    expect(await podmanImageDigest(podman, ref)).toBe(image.indexDigest);
  });

  it('ctr pulls and unpacks the image by tag', async () => {
    const containerd = await startContainerd();
    cleanups.push(() => containerd.stop());
    const ref = `${berth.host}/virt/tools/img:v1`;
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/arm64' });
    expect(await ctrImageDigest(containerd, ref)).toBe(image.indexDigest);
  });
});

/** The digest index.json of an OCI layout names for tag v1. */
async function layoutDigest(dir: string): Promise<string> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'v1')?.digest ?? '';
}
