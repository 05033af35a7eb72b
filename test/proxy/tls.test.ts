import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { call, expectOciError } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';

// An HTTPS upstream with a self-signed certificate: trusted through upstream.caFile, or with
// insecureSkipVerify; refused (as unavailable) otherwise.

const run = promisify(execFile);
let dir: string;
let upstream: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let image: BuiltImage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-tls-upstream-'));
  const certificate = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  upstream = await startDockerRegistry({ tls: { certificate, key } });
  image = await buildImageLayout(join(dir, 'image'), { tag: 'v1', layerSizes: [4096], seed: 'tls' });
  await skopeoCopy(`oci:${image.dir}:v1`, `docker://${upstream.host}/team/app:v1`, { preserveDigests: true });
  berth = await startBerth({
    config: {
      projects: [
        { name: 'trusted', kind: 'proxy', upstream: { url: upstream.url, caFile: certificate } },
        { name: 'insecure', kind: 'proxy', upstream: { url: upstream.url, insecureSkipVerify: true } },
        { name: 'untrusted', kind: 'proxy', upstream: { url: upstream.url } },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
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
