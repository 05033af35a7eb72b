import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { join } from 'node:path';
import {
  createPodmanSandbox,
  ctrImageDigest,
  ctrPullWithHostsDir,
  ctrSnapshotKeys,
  podmanImageDigest,
  podmanPull,
  startContainerd,
  writeContainerdHostsToml,
  writePodmanRegistriesConf,
} from '../harness/clients.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { AMD64, ARM64, type BuiltImage } from '../harness/oci-image.js';
import { Cleanups, scratchDir } from '../harness/scratch.js';
import { containerdHostsToml, registriesConfMirror } from '../harness/mirror-files.js';
import { freePort } from '../harness/ports.js';
import { pushUpstreamImage, startProxySetup, type ProxySetup } from '../proxy/setup.js';

// Clients configured with Berth as their docker.io mirror, pulling `docker.io/library/<name>:<tag>`.
// A relay in front of Berth records exactly what each client sent.

let setup: ProxySetup;
let front: FaultRelay;
let work: string;
/** A loopback port nothing listens on: the "real" docker.io, so a pull can only succeed through Berth. */
let deadHost: string;
const cleanups = new Cleanups();

beforeAll(async () => {
  work = await scratchDir('berth-e2e-mirror-', cleanups);
  setup = await startProxySetup([{ name: 'hub', kind: 'proxy', ns: ['docker.io'], nameMapping: { dockerHubLibrary: 'on' } }]);
  cleanups.push(() => setup.stop());
  front = await startFaultRelay(setup.berth.url);
  cleanups.push(() => front.stop());
  deadHost = `127.0.0.1:${await freePort()}`;
}, 60_000);

afterAll(() => cleanups.run());


/** Paths (with query) the client sent to Berth for `repository`, in order. */
const sentFor = (repository: string) => front.requests().filter((r) => r.path.includes(repository)).map((r) => `${r.method} ${r.path}`);

// containers/image (podman 4.3) sends no `ns` to a mirror: with `location = "<berth>"` it asks for
// /v2/library/<name>/manifests/<tag> and Berth cannot tell the project. The project goes in the location.
describe('podman with a registries.conf mirror', () => {
  it('pulls docker.io/library/<name> through a mirror location with the project prefix', async () => {
    const image = await pushUpstreamImage(setup, work, 'mirrored', { tag: 'v1', layerSizes: [256 * 1024], seed: 'mirror-podman' });
    const podman = await createPodmanSandbox({ insecureRegistries: [] });
    cleanups.push(() => podman.stop());
    await writePodmanRegistriesConf(
      podman,
      `unqualified-search-registries = []\n${registriesConfMirror({ prefix: 'docker.io', location: deadHost, insecure: true, mirror: `${front.host}/hub`, mirrorInsecure: true })}`,
    );
    await podmanPull(podman, 'docker.io/library/mirrored:v1');
    expect(await podmanImageDigest(podman, 'docker.io/library/mirrored:v1')).toBe(image.topDigest);

    const sent = sentFor('/mirrored/');
    expect(sent).toContain('GET /v2/hub/library/mirrored/manifests/v1');
    for (const digest of image.layers.map((layer) => layer.digest)) {
      expect(sent).toContain(`GET /v2/hub/library/mirrored/blobs/${digest}`);
    }
    expect(sent.every((line) => line.includes(' /v2/hub/library/mirrored/') && !line.includes('ns='))).toBe(true);
  });
});

// containerd adds `?ns=<registry host>` to every request it sends to a mirror host.
describe('containerd with a hosts.toml mirror (--hosts-dir)', () => {
  let image: BuiltImage;
  let hostsDir: string;

  beforeAll(async () => {
    image = await pushUpstreamImage(setup, work, 'mirrored-ctr', { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [256 * 1024], seed: 'mirror-ctr' });
    hostsDir = join(work, 'hosts');
    await writeContainerdHostsToml(
      hostsDir,
      'docker.io',
      containerdHostsToml({ server: `http://${deadHost}`, mirror: `http://${front.host}`, capabilities: ['pull', 'resolve'] }),
    );
  });

  it('pulls docker.io/library/<name> by tag and by digest through ?ns=docker.io routing', async () => {
    const containerd = await startContainerd();
    cleanups.push(() => containerd.stop());
    const byTag = 'docker.io/library/mirrored-ctr:v1';
    await ctrPullWithHostsDir(containerd, byTag, hostsDir, { platform: 'linux/amd64' });
    expect(await ctrImageDigest(containerd, byTag)).toBe(image.indexDigest);
    expect(await ctrSnapshotKeys(containerd)).toContain(image.chainIds[0]);

    const byDigest = `docker.io/library/mirrored-ctr@${image.indexDigest ?? ''}`;
    await ctrPullWithHostsDir(containerd, byDigest, hostsDir, { platform: 'linux/arm64' });
    expect(await ctrImageDigest(containerd, byDigest)).toBe(image.indexDigest);
    expect(await ctrSnapshotKeys(containerd)).toContain(image.chainIds[1]);

    const sent = sentFor('/mirrored-ctr/');
    expect(sent).toContain('HEAD /v2/library/mirrored-ctr/manifests/v1?ns=docker.io');
    expect(sent).toContain(`GET /v2/library/mirrored-ctr/blobs/${image.layers[0]?.digest ?? ''}?ns=docker.io`);
    expect(sent.every((line) => line.endsWith('?ns=docker.io'))).toBe(true);
  });

  it('answers ?ns requests with OCI-Namespace', async () => {
    const response = await fetch(`${setup.berth.url}/v2/library/mirrored-ctr/manifests/v1?ns=docker.io`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('oci-namespace')).toBe('docker.io');
    expect(response.headers.get('docker-content-digest')).toBe(image.indexDigest);
  });
});
