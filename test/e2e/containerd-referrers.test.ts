import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { writeContainerdHostsToml } from '../harness/clients.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { containerdHostsToml } from '../harness/mirror-files.js';
import { freePort } from '../harness/ports.js';
import { COSIGN_SIG_ARTIFACT, NOTATION_SIGNATURE, pushArtifact, pushCosignSignature } from '../proxy/referrers-fixtures.js';
import { pushImage } from '../upstream/push.js';
import { clientHome, runTool, type ClientHome } from './go-clients.js';

// containerd 2's registry resolver (core/remotes/docker, v2.4.2) with Berth as the docker.io mirror
// of a hosts.toml (config_path style), through our program test/go/containerd-referrers: it resolves
// docker.io/library/<name>:<tag> and lists the image's referrers with the resolver's FetchReferrers.
// Berth answers with the project's merged list: referrers attached here and at the upstream (a second
// Berth with the referrers API). A relay in front of Berth records what containerd sent.

const SBOM = 'application/spdx+json';

let upstream: BerthUnderTest;
/** registry.example: an upstream without the referrers API (cosign-style `.sig` tags). */
let plain: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let front: FaultRelay;
let work: string;
let home: ClientHome;
/** A loopback port nothing listens on: the "real" docker.io, so an answer can only come through Berth. */
let deadHost: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-containerd-referrers-'));
  home = await clientHome(work, 'containerd');
  upstream = await startBerth({ config: { projects: [{ name: 'library', kind: 'hosted' }] } });
  plain = await startDockerRegistry();
  berth = await startBerth({
    config: {
      projects: [
        { name: 'hub', kind: 'proxy', ns: ['docker.io'], referrersProxy: true, nameMapping: { dockerHubLibrary: 'on' }, upstream: { url: upstream.url } },
        { name: 'example', kind: 'proxy', ns: ['registry.example'], referrersProxy: true, upstream: { url: plain.url } },
      ],
    },
  });
  front = await startFaultRelay(berth.url);
  deadHost = `127.0.0.1:${await freePort()}`;
}, 60_000);

afterAll(async () => {
  await front?.stop();
  await berth?.stop();
  await upstream?.stop();
  await plain?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

interface Listed {
  digest: string;
  referrers: Array<{ digest: string; artifactType?: string }>;
}

/** A hosts dir whose docker.io/hosts.toml names Berth (through the relay) as a mirror with `capabilities`. */
async function hostsDir(capabilities: string[], registry = 'docker.io'): Promise<string> {
  const dir = await mkdtemp(join(work, 'certs.d-'));
  await writeContainerdHostsToml(dir, registry, containerdHostsToml({ server: `http://${deadHost}`, mirror: `http://${front.host}`, capabilities }));
  return dir;
}

async function referrersOf(dir: string, ref: string, ...artifactTypes: string[]): Promise<Listed> {
  const out = await runTool('containerd-referrers', ['-hosts-dir', dir, ...artifactTypes.flatMap((t) => ['-artifact-type', t]), ref], home);
  const listed = JSON.parse(out) as Listed;
  listed.referrers = listed.referrers.map(({ digest, artifactType }) => ({ digest, artifactType })).sort((a, b) => a.digest.localeCompare(b.digest));
  return listed;
}

describe('containerd 2 resolver with a hosts.toml mirror', () => {
  it('lists the merged referrers through the mirror, with and without an artifactType filter', async () => {
    const image = (await pushImage(upstream.url, 'library/app', 'v1', [1024])).manifest;
    const theirs = (await pushArtifact(upstream.url, 'library/app', image, NOTATION_SIGNATURE)).digest;
    const mine = (await pushArtifact(berth.url, 'hub/library/app', image, SBOM)).digest;
    const dir = await hostsDir(['pull', 'resolve', 'referrers']);

    const all = await referrersOf(dir, 'docker.io/library/app:v1');
    expect(all.digest).toBe(image.digest);
    expect(all.referrers).toEqual([{ digest: mine, artifactType: SBOM }, { digest: theirs, artifactType: NOTATION_SIGNATURE }].sort((a, b) => a.digest.localeCompare(b.digest)));
    expect((await referrersOf(dir, 'docker.io/library/app:v1', NOTATION_SIGNATURE)).referrers).toEqual([{ digest: theirs, artifactType: NOTATION_SIGNATURE }]);
    expect((await referrersOf(dir, 'docker.io/library/app:v1', SBOM)).referrers).toEqual([{ digest: mine, artifactType: SBOM }]);

    const sent = front.requests().map((r) => `${r.method} ${r.path}`);
    expect(sent).toContain(`GET /v2/library/app/referrers/${image.digest}?ns=docker.io`);
    expect(sent).toContain(`GET /v2/library/app/referrers/${image.digest}?artifactType=${encodeURIComponent(NOTATION_SIGNATURE)}&ns=docker.io`);
  });

  it('without the "referrers" capability on the mirror, containerd asks the server, not Berth', async () => {
    const image = (await pushImage(upstream.url, 'library/nocap', 'v1', [1024])).manifest;
    await pushArtifact(upstream.url, 'library/nocap', image, NOTATION_SIGNATURE);
    const dir = await hostsDir(['pull', 'resolve']);
    const before = front.requests().length;
    await expect(referrersOf(dir, 'docker.io/library/nocap:v1')).rejects.toThrow(/referrers of sha256:/);
    const sent = front.requests().slice(before).map((r) => r.path);
    expect(sent.some((path) => path.includes('/manifests/v1'))).toBe(true);
    expect(sent.filter((path) => path.includes('/referrers/'))).toEqual([]);
  });
});

describe('containerd 2 resolver, upstream without the referrers API', () => {
  it('gets the upstream cosign signature (a .sig tag) merged with a referrer attached in Berth', async () => {
    const image = (await pushImage(plain.url, 'team/app', 'v1', [1024])).manifest;
    const signature = (await pushCosignSignature(plain.url, 'team/app', image)).digest;
    const mine = (await pushArtifact(berth.url, 'example/team/app', image, SBOM)).digest;
    const dir = await hostsDir(['pull', 'resolve', 'referrers'], 'registry.example');

    const all = await referrersOf(dir, 'registry.example/team/app:v1');
    expect(all.digest).toBe(image.digest);
    expect(all.referrers).toEqual([{ digest: mine, artifactType: SBOM }, { digest: signature, artifactType: COSIGN_SIG_ARTIFACT }].sort((a, b) => a.digest.localeCompare(b.digest)));
    expect((await referrersOf(dir, 'registry.example/team/app:v1', COSIGN_SIG_ARTIFACT)).referrers).toEqual([{ digest: signature, artifactType: COSIGN_SIG_ARTIFACT }]);
    expect(front.requests().map((r) => r.path)).toContain(`/v2/team/app/referrers/${image.digest}?ns=registry.example`);
  });
});
