import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { call, expectOciError } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { loopbackCertificate } from '../harness/certificates.js';
import { skopeoCopy } from '../harness/clients.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';

// An HTTPS upstream with a self-signed certificate: trusted through upstream.caFile, or with
// insecureSkipVerify; refused (as unavailable) otherwise.

let dir: string;
let upstream: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let image: BuiltImage;
let layered: BuiltImage;
let relay: { url: string; connections(): number; stop(): Promise<void> };

/** A TCP relay to `port` that counts the connections it accepted (TLS passes through it untouched). */
async function countingRelay(port: number): Promise<typeof relay> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    accepted += 1;
    const upstreamSocket = connect({ host: '127.0.0.1', port });
    for (const socket of [client, upstreamSocket]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstreamSocket).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => accepted,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-tls-upstream-'));
  const { certificate, key } = await loopbackCertificate(dir);
  upstream = await startDockerRegistry({ tls: { certificate, key } });
  image = await buildImageLayout(join(dir, 'image'), { tag: 'v1', layerSizes: [4096], seed: 'tls' });
  await skopeoCopy(`oci:${image.dir}:v1`, `docker://${upstream.host}/team/app:v1`, { preserveDigests: true });
  layered = await buildImageLayout(join(dir, 'layered'), { tag: 'v1', layerSizes: [70_000, 80_000, 90_000, 100_000, 110_000, 120_000], seed: 'tls-layers' });
  await skopeoCopy(`oci:${layered.dir}:v1`, `docker://${upstream.host}/team/layered:v1`, { preserveDigests: true });
  relay = await countingRelay(Number(new URL(upstream.url).port));
  berth = await startBerth({
    config: {
      projects: [
        { name: 'pooled', kind: 'proxy', upstream: { url: relay.url, caFile: certificate } },
        { name: 'trusted', kind: 'proxy', upstream: { url: upstream.url, caFile: certificate } },
        { name: 'insecure', kind: 'proxy', upstream: { url: upstream.url, insecureSkipVerify: true } },
        { name: 'untrusted', kind: 'proxy', upstream: { url: upstream.url } },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await relay?.stop();
  await upstream?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('HTTPS upstream', () => {
  it('pulls when the upstream certificate is trusted through caFile or insecureSkipVerify', async () => {
    expect(upstream.url.startsWith('https://')).toBe(true);
    for (const project of ['trusted', 'insecure']) {
      const manifest = await call(berth.url, 'GET', `/v2/${project}/team/app/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
      expect(manifest.status).toBe(200);
      expect(manifest.headers.get('docker-content-digest')).toBe(image.topDigest);
    }
  });

  it('refuses an upstream whose certificate it cannot verify', async () => {
    expectOciError(await call(berth.url, 'GET', '/v2/untrusted/team/app/manifests/v1', { headers: { accept: MANIFEST_ACCEPT } }), 503, 'UNAVAILABLE');
  });
});

describe('HTTPS upstream connections', () => {
  it('pulls a manifest and its cold layers over reused connections, not a new TLS handshake per blob', async () => {
    const manifest = await call(berth.url, 'GET', '/v2/pooled/team/layered/manifests/v1', { headers: { accept: MANIFEST_ACCEPT } });
    expect(manifest.status).toBe(200);
    expect(layered.layers.length).toBeGreaterThanOrEqual(6);
    for (const layer of layered.layers) {
      const blob = await call(berth.url, 'GET', `/v2/pooled/team/layered/blobs/${layer.digest}`);
      expect(blob.status).toBe(200);
      expect(blob.headers.get('docker-content-digest')).toBe(layer.digest);
      expect(Number(blob.headers.get('content-length'))).toBe(layer.size);
    }
    // Pooled connections are reused; a new one opens only while the others are busy (a blob's GET
    // may overlap the HEAD that checks it). A connection per blob GET made 9 here.
    expect(relay.connections()).toBeLessThanOrEqual(3);
  });
});
