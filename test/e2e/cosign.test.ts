import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { buildImageLayout } from '../harness/oci-image.js';
import { createSigningSandbox, type SigningSandbox } from '../harness/signing-tools.js';
import { readReferrers } from '../proxy/referrers-fixtures.js';

// The real cosign (pinned, key pairs, no Rekor/Fulcio) through a proxy project in front of
// docker-registry (no referrers API): the publisher signs upstream, the team signs through Berth in
// cosign's legacy `.sig` mode and in its OCI 1.1 referrers mode, and every signature verifies
// through Berth, including one the publisher adds later.

const HTTP = ['--allow-insecure-registry', '--allow-http-registry'];
const OFFLINE_SIGN = ['--tlog-upload=false', '--use-signing-config=false', '-y'];
// cosign 3 writes sigstore bundles unless told otherwise; these tests use its `.sig` signatures.
const LEGACY = '--new-bundle-format=false';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const COSIGN_SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';

let upstream: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let work: string;
let cosign: SigningSandbox;
let digest: string;

const keyOf = (who: string) => join(cosign.dir, `${who}.key`);
const pubOf = (who: string) => join(cosign.dir, `${who}.pub`);
const atUpstream = () => `${upstream.host}/library/app@${digest}`;
const throughBerth = () => `${berth.host}/hub/library/app@${digest}`;

async function sign(who: string, ref: string, extra: string[] = []): Promise<void> {
  await cosign.run(['sign', '--key', keyOf(who), ...OFFLINE_SIGN, ...HTTP, LEGACY, ...extra, ref]);
}

async function verify(who: string, ref: string, extra: string[] = []): Promise<string> {
  const { stdout } = await cosign.run(['verify', '--key', pubOf(who), '--insecure-ignore-tlog', ...HTTP, LEGACY, ...extra, ref]);
  return stdout.toString();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-cosign-e2e-'));
  upstream = await startDockerRegistry();
  berth = await startBerth({
    config: {
      // Tag TTL 0: every read of a tag asks the upstream whether it moved, so a later upstream
      // signature is seen by the next read, with no wall-clock wait.
      projects: [{ name: 'hub', kind: 'proxy', referrersProxy: true, tagTtlSeconds: 0, upstream: { url: upstream.url } }],
      referrersCache: { freshTtlSeconds: 0 },
    },
  });
  const image = await buildImageLayout(join(work, 'layout'), { tag: 'v1', layerSizes: [256] });
  await skopeoCopy(`oci:${image.dir}:v1`, `docker://${upstream.host}/library/app:v1`, { preserveDigests: true });
  digest = image.topDigest;
  cosign = await createSigningSandbox('cosign', { COSIGN_PASSWORD: 'berth-test-key', COSIGN_EXPERIMENTAL: '1' });
  for (const who of ['publisher', 'publisher2', 'team', 'team11']) {
    await cosign.run(['generate-key-pair', '--output-key-prefix', join(cosign.dir, who)]);
  }
}, 120_000);

afterAll(async () => {
  await cosign?.stop();
  await berth?.stop();
  await upstream?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('cosign through a proxy project', () => {
  it('verifies the publisher’s and the team’s legacy .sig signatures through Berth', async () => {
    await sign('publisher', atUpstream());
    await sign('team', throughBerth());
    expect(await verify('publisher', throughBerth())).toContain(digest);
    expect(await verify('team', throughBerth())).toContain(digest);
    await expect(verify('team', atUpstream())).rejects.toThrow(); // the team's signature stays in Berth
  });

  it('verifies a team signature pushed in OCI 1.1 referrers mode, listed with the upstream’s', async () => {
    await sign('team11', throughBerth(), ['--registry-referrers-mode', 'oci-1-1']);
    // cosign's OCI 1.1 verification reads the referrers answer and checks its last cosign entry.
    expect(await verify('team11', throughBerth(), ['--experimental-oci11'])).toContain(digest);
    // The answer lists the team's OCI 1.1 signature, the team's .sig tag and the upstream's.
    const listed = await readReferrers(berth.url, `/v2/hub/library/app/referrers/${digest}`);
    const sigTag = `${digest.replace(':', '-')}.sig`;
    const local = await fetch(`${berth.url}/v2/hub/library/app/manifests/${sigTag}`, { headers: { accept: OCI_MANIFEST } });
    const theirs = await fetch(`${upstream.url}/v2/library/app/manifests/${sigTag}`, { headers: { accept: OCI_MANIFEST } });
    const localDigest = local.headers.get('docker-content-digest');
    const theirDigest = theirs.headers.get('docker-content-digest');
    expect(localDigest).not.toBe(theirDigest);
    expect(listed.digests).toEqual(expect.arrayContaining([localDigest, theirDigest]));
    expect(listed.digests).toHaveLength(3);
    expect(listed.artifactTypes.every((t) => t === COSIGN_SIG)).toBe(true);
  });

  it('shows a signature the publisher adds upstream later, next to the team’s', async () => {
    await sign('publisher2', atUpstream());
    expect(await verify('publisher2', throughBerth())).toContain(digest);
    expect(await verify('publisher', throughBerth())).toContain(digest);
    expect(await verify('team', throughBerth())).toContain(digest);
    expect(await verify('team11', throughBerth(), ['--experimental-oci11'])).toContain(digest);
  });
});
