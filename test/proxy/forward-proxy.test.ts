import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { send } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { loopbackCertificate } from '../harness/certificates.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startForwardProxy, type ForwardProxy } from '../harness/forward-proxy.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';

// Upstream connections through a forward proxy: HTTPS_PROXY (a CONNECT tunnel, for manifests and
// for blob bodies, which otherwise use a connection of their own), HTTP_PROXY (absolute-form
// requests to a plain-http upstream), lower-case spellings, NO_PROXY, and a project's own
// upstream.proxy / upstream.noProxy replacing the environment's.

const LAYER_BYTES = 256 * 1024;

let dir: string;
let certificate: string;
let secure: DockerRegistryUnderTest;
let plain: DockerRegistryUnderTest;
let proxy: ForwardProxy;
let upperCase: BerthUnderTest;
let lowerCase: BerthUnderTest;
const images = new Map<string, BuiltImage>();

async function pushTo(registry: DockerRegistryUnderTest, name: string): Promise<void> {
  const image = await buildImageLayout(join(dir, `image-${name}`), { tag: 'v1', layerSizes: [LAYER_BYTES], seed: `forward-proxy-${name}` });
  await skopeoCopy(`oci:${image.dir}:v1`, `docker://${registry.host}/library/${name}:v1`, { preserveDigests: true });
  images.set(name, image);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-forward-proxy-'));
  const pem = await loopbackCertificate(dir);
  certificate = pem.certificate;
  const key = pem.key;
  secure = await startDockerRegistry({ tls: { certificate, key } });
  plain = await startDockerRegistry();
  for (const name of ['tunneled', 'exempt', 'lower', 'bypassed', 'forced']) await pushTo(secure, name);
  await pushTo(plain, 'absolute');
  proxy = await startForwardProxy();
  const https = (extra: Record<string, unknown> = {}) => ({ url: secure.url, caFile: certificate, ...extra });
  upperCase = await startBerth({
    env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
    config: {
      projects: [
        { kind: 'proxy', name: 'tunneled', upstream: https() },
        { kind: 'proxy', name: 'absolute', upstream: { url: plain.url } },
        { kind: 'proxy', name: 'exempt', upstream: https({ noProxy: '127.0.0.1' }) },
      ],
    },
  });
  lowerCase = await startBerth({
    env: { https_proxy: proxy.url, no_proxy: `localhost,127.0.0.1:${secure.port}` },
    config: {
      projects: [
        { kind: 'proxy', name: 'bypassed', upstream: https() },
        { kind: 'proxy', name: 'forced', upstream: https({ proxy: proxy.url, noProxy: '' }) },
      ],
    },
  });
}, 120_000);

afterAll(async () => {
  await upperCase?.stop();
  await lowerCase?.stop();
  await proxy?.stop();
  await secure?.stop();
  await plain?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Pull project/library/<name>:v1 cold (manifest, then its layer) and check the bytes. */
async function pull(berth: BerthUnderTest, project: string, name: string): Promise<{ afterManifest: Counts; afterBlob: Counts; before: Counts }> {
  const image = images.get(name)!;
  const before = counts();
  const manifest = await send(berth.url, 'GET', `/v2/${project}/library/${name}/manifests/v1`, { headers: { Accept: MANIFEST_ACCEPT } });
  expect(manifest.status).toBe(200);
  expect(manifest.headers.get('docker-content-digest')).toBe(image.topDigest);
  const afterManifest = counts();
  const layer = image.layers.reduce((a, b) => (a.size >= b.size ? a : b));
  const blob = await send(berth.url, 'GET', `/v2/${project}/library/${name}/blobs/${layer.digest}`);
  expect(blob.status).toBe(200);
  expect(`sha256:${createHash('sha256').update(blob.body).digest('hex')}`).toBe(layer.digest);
  return { before, afterManifest, afterBlob: counts() };
}

interface Counts {
  tunnels: number;
  bytes: number;
  forwarded: number;
}

function counts(): Counts {
  return { tunnels: proxy.tunnels().length, bytes: proxy.tunneledBytes(), forwarded: proxy.forwarded().length };
}

describe('HTTPS_PROXY / HTTP_PROXY from the environment', () => {
  it('a cold pull from an https upstream goes through CONNECT tunnels: the manifest, and the blob body', async () => {
    const { before, afterManifest, afterBlob } = await pull(upperCase, 'tunneled', 'tunneled');
    expect(afterManifest.tunnels).toBeGreaterThan(before.tunnels);
    expect(proxy.tunnels().slice(before.tunnels)).toContain(`127.0.0.1:${secure.port}`);
    // The layer's bytes came back through a tunnel (not over a direct connection).
    expect(afterBlob.bytes - afterManifest.bytes).toBeGreaterThanOrEqual(LAYER_BYTES);
  });

  it('a cold pull from a plain-http upstream sends absolute-form requests to HTTP_PROXY', async () => {
    const { before, afterBlob } = await pull(upperCase, 'absolute', 'absolute');
    const sent = proxy.forwarded().slice(before.forwarded);
    expect(sent.some((target) => target.startsWith(`${plain.url}/v2/library/absolute/manifests/`))).toBe(true);
    expect(sent.some((target) => target.startsWith(`${plain.url}/v2/library/absolute/blobs/sha256:`))).toBe(true);
    expect(afterBlob.tunnels).toBe(before.tunnels);
  });

  it("a project's noProxy exempts its upstream: no tunnel", async () => {
    const { before, afterBlob } = await pull(upperCase, 'exempt', 'exempt');
    expect(afterBlob).toEqual(before);
  });
});

describe('https_proxy / no_proxy (lower case) and a project proxy', () => {
  it('NO_PROXY naming the upstream host:port bypasses the proxy', async () => {
    const { before, afterBlob } = await pull(lowerCase, 'bypassed', 'bypassed');
    expect(afterBlob).toEqual(before);
  });

  it("a project's own proxy (with an empty noProxy) is used although NO_PROXY names the host", async () => {
    const { before, afterManifest, afterBlob } = await pull(lowerCase, 'forced', 'forced');
    expect(afterManifest.tunnels).toBeGreaterThan(before.tunnels);
    expect(afterBlob.bytes - afterManifest.bytes).toBeGreaterThanOrEqual(LAYER_BYTES);
  });
});
