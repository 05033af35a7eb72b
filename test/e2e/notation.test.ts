import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { buildImageLayout } from '../harness/oci-image.js';
import { createSigningSandbox, type SigningSandbox } from '../harness/signing-tools.js';
import { NOTATION_SIGNATURE, readReferrers } from '../proxy/referrers-fixtures.js';

// The real notation (pinned, test certificates) through proxy projects: one in front of a second
// Berth (with the referrers API), one in front of docker-registry (without: notation and Berth fall
// back to the referrers tag schema). The publisher signs upstream, the team through Berth, and
// `notation verify` through Berth finds each signature under a trust policy that trusts only its signer.

interface Upstream {
  host: string;
  url: string;
  /** Where the publisher's image lives upstream, and how Berth names it. */
  upstreamRepo: string;
  berthRepo: string;
  digest: string;
}

let registry: DockerRegistryUnderTest;
let second: BerthUnderTest;
let berth: BerthUnderTest;
let work: string;
let notation: SigningSandbox;
const upstreams: Record<'api' | 'tagSchema', Upstream> = {} as Record<'api' | 'tagSchema', Upstream>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-notation-e2e-'));
  registry = await startDockerRegistry();
  second = await startBerth({ config: { projects: [{ name: 'pub', kind: 'hosted' }] } });
  const proxy = { kind: 'proxy', referrersProxy: true, tagTtlSeconds: 0 };
  berth = await startBerth({
    config: {
      projects: [
        { name: 'withapi', ...proxy, nameMapping: { prefix: 'pub/' }, upstream: { url: second.url } },
        { name: 'tagschema', ...proxy, upstream: { url: registry.url } },
      ],
      referrersCache: { freshTtlSeconds: 0 },
    },
  });
  const image = await buildImageLayout(join(work, 'layout'), { tag: 'v1', layerSizes: [256] });
  for (const [key, target, upstreamRepo, berthRepo] of [
    ['api', second, 'pub/app', 'withapi/app'],
    ['tagSchema', registry, 'library/app', 'tagschema/library/app'],
  ] as const) {
    await skopeoCopy(`oci:${image.dir}:v1`, `docker://${target.host}/${upstreamRepo}:v1`, { preserveDigests: true });
    upstreams[key] = { host: target.host, url: target.url, upstreamRepo, berthRepo, digest: image.topDigest };
  }
  notation = await createSigningSandbox('notation');
  await notation.run(['cert', 'generate-test', '--default', 'publisher']);
  await notation.run(['cert', 'generate-test', 'team']);
}, 120_000);

afterAll(async () => {
  await notation?.stop();
  await berth?.stop();
  await second?.stop();
  await registry?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** A trust policy that trusts signatures by `signer`'s test certificate only, for every repository. */
async function trustOnly(signer: string): Promise<void> {
  const policy = {
    version: '1.0',
    trustPolicies: [{
      name: `only-${signer}`,
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: [`ca:${signer}`],
      trustedIdentities: ['*'],
    }],
  };
  const file = join(notation.dir, `policy-${signer}.json`);
  await writeFile(file, JSON.stringify(policy));
  await notation.run(['policy', 'import', '--force', file]);
}

async function verifyAs(signer: string, ref: string): Promise<string> {
  await trustOnly(signer);
  const { stdout, stderr } = await notation.run(['verify', '--insecure-registry', ref]);
  return `${stdout.toString()}${stderr}`;
}

/** Wait until Berth's referrers answer lists `count` notation signatures (the background refresh landed). */
async function listedSignatures(repository: string, digest: string, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = await readReferrers(berth.url, `/v2/${repository}/referrers/${digest}`);
    const found = listed.artifactTypes.filter((type) => type === NOTATION_SIGNATURE).length;
    if (found >= count) return;
    if (Date.now() > deadline) throw new Error(`Berth lists ${found} notation signatures of ${repository}@${digest}, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each([
  ['an upstream with the referrers API (a second Berth)', 'api'],
  ['an upstream without it (docker-registry)', 'tagSchema'],
] as const)('notation through a proxy project in front of %s', (_label, key) => {
  const at = () => upstreams[key];
  const upstreamRef = () => `${at().host}/${at().upstreamRepo}@${at().digest}`;
  const berthRef = () => `${berth.host}/${at().berthRepo}@${at().digest}`;

  it('verifies the publisher’s upstream signature and the team’s through Berth, each under its own trust policy', async () => {
    await notation.run(['sign', '--insecure-registry', '--key', 'publisher', upstreamRef()]);
    await expect(verifyAs('team', berthRef())).rejects.toThrow(/signature verification failed|no signature/i);
    expect(await verifyAs('publisher', berthRef())).toContain('Successfully verified');

    // Against Berth's referrers API in one case (OCI 1.1), notation's default tag schema in the other.
    await notation.run(['sign', '--insecure-registry', '--key', 'team', ...(key === 'api' ? ['--force-referrers-tag=false'] : []), berthRef()]);
    expect(await verifyAs('team', berthRef())).toContain('Successfully verified');
    expect(await verifyAs('publisher', berthRef())).toContain('Successfully verified');
    // The team's signature stays in Berth.
    await expect(verifyAs('team', upstreamRef())).rejects.toThrow();

    const listed = await readReferrers(berth.url, `/v2/${at().berthRepo}/referrers/${at().digest}`);
    expect(listed.artifactTypes.filter((type) => type === NOTATION_SIGNATURE)).toHaveLength(2);
  });

  it('verifies through Berth a signature the publisher adds later', async () => {
    await notation.run(['cert', 'generate-test', `later-${key}`]);
    await notation.run(['sign', '--insecure-registry', '--key', `later-${key}`, upstreamRef()]);
    // Berth answers its cached upstream list at once and refreshes it in the background: wait for that.
    await listedSignatures(at().berthRepo, at().digest, 3);
    expect(await verifyAs(`later-${key}`, berthRef())).toContain('Successfully verified');
    expect(await verifyAs('team', berthRef())).toContain('Successfully verified');
  });
});
