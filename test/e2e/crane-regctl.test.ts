import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { skopeoCopy } from '../harness/clients.js';
import { buildImageLayout } from '../harness/oci-image.js';
import { pushArtifact } from '../proxy/referrers-fixtures.js';
import { pushImage } from '../upstream/push.js';
import { clientHome, runTool, type ClientHome } from './go-clients.js';

// crane and regctl (pinned in scripts/go-tools.json) copying images out of a proxy project and into
// and out of a hosted one, digests unchanged; regctl listing the referrers a proxy project merges
// (attached here and at the upstream, a second Berth with the referrers API) and copying them along.

const SBOM = 'application/spdx+json';
const UPSTREAM_SIGNATURE = 'application/vnd.example.upstream-signature';

let upstream: BerthUnderTest;
let berth: BerthUnderTest;
let work: string;
let home: ClientHome;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-crane-regctl-'));
  home = await clientHome(work, 'crane-regctl');
  upstream = await startBerth({ config: { projects: [{ name: 'pub', kind: 'hosted' }] } });
  berth = await startBerth({
    config: {
      projects: [
        { name: 'team', kind: 'hosted' },
        { name: 'mirror', kind: 'proxy', referrersProxy: true, nameMapping: { prefix: 'pub/' }, upstream: { url: upstream.url } },
      ],
      // one referrer per page: the clients must follow the Link header to see the whole list
      limits: { referrersPageMaxDescriptors: 1 },
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await upstream?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const crane = (...args: string[]) => runTool('crane', [...args, '--insecure'], home);
/** regctl talking plain HTTP to both registries (`--host ...,tls=disabled`, no config file). */
const regctl = (...args: string[]) =>
  runTool('regctl', [...args, '--host', `reg=${berth.host},tls=disabled`, '--host', `reg=${upstream.host},tls=disabled`], home);

interface Listed {
  digest: string;
  artifactType?: string;
}

/** `regctl artifact list`: the referrers (digest, artifactType) of `ref`, sorted by digest. */
async function listReferrers(ref: string, ...extra: string[]): Promise<Listed[]> {
  const out = await regctl('artifact', 'list', ref, ...extra, '--format', '{{json .Descriptors}}');
  return ((JSON.parse(out) as Listed[] | null) ?? []).map(({ digest, artifactType }) => ({ digest, artifactType })).sort((a, b) => a.digest.localeCompare(b.digest));
}

/** `regctl artifact put` of a small SBOM referring to `subject`; the new referrer's digest. */
async function putSbom(subject: string): Promise<string> {
  const file = join(home.dir, `sbom-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: file }));
  await regctl('artifact', 'put', '--artifact-type', SBOM, '--file', file, '--file-media-type', SBOM, '--subject', subject);
  const listed = await listReferrers(subject, '--filter-artifact-type', SBOM);
  if (listed.length !== 1) throw new Error(`expected one SBOM on ${subject}, found ${JSON.stringify(listed)}`);
  return listed[0]!.digest;
}

describe('crane and regctl', () => {
  it('copy an image out of a proxy project into a hosted one and back out, digests unchanged', async () => {
    const image = (await pushImage(upstream.url, 'pub/app', 'v1', [300 * 1024, 1024])).manifest;

    await crane('copy', `${berth.host}/mirror/app:v1`, `${berth.host}/team/app:v1`);
    expect((await crane('digest', `${berth.host}/mirror/app:v1`)).trim()).toBe(image.digest);
    expect((await crane('digest', `${berth.host}/team/app:v1`)).trim()).toBe(image.digest);

    await regctl('image', 'copy', `${berth.host}/team/app:v1`, `${berth.host}/team/copied:v1`);
    expect((await regctl('image', 'digest', `${berth.host}/team/copied:v1`)).trim()).toBe(image.digest);
    await regctl('image', 'copy', `${berth.host}/mirror/app:v1`, `${upstream.host}/pub/back:v1`);
    expect((await regctl('image', 'digest', `${upstream.host}/pub/back:v1`)).trim()).toBe(image.digest);
    expect((await crane('digest', `${upstream.host}/pub/back:v1`)).trim()).toBe(image.digest);
  });

  it('copy a multi-platform index out of a proxy project, every platform, digests unchanged', async () => {
    const image = await buildImageLayout(join(work, 'layout-multi'), {
      tag: 'v1',
      platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
      layerSizes: [64 * 1024],
      seed: 'crane-regctl-multi',
    });
    await skopeoCopy(`oci:${image.dir}:v1`, `docker://${upstream.host}/pub/multi:v1`, { all: true, preserveDigests: true });

    await crane('copy', `${berth.host}/mirror/multi:v1`, `${berth.host}/team/multi:v1`);
    await regctl('image', 'copy', `${berth.host}/mirror/multi:v1`, `${berth.host}/team/multi-regctl:v1`);
    for (const repository of ['mirror/multi', 'team/multi', 'team/multi-regctl']) {
      expect((await crane('digest', `${berth.host}/${repository}:v1`)).trim()).toBe(image.topDigest);
      expect((await regctl('image', 'digest', `${berth.host}/${repository}:v1`)).trim()).toBe(image.topDigest);
      expect((await crane('digest', '--platform', 'linux/arm64', `${berth.host}/${repository}:v1`)).trim()).toBe(image.manifestDigests[1]);
    }
  });

  it('a proxy project refuses an image copied into it', async () => {
    await pushImage(berth.url, 'team/local', 'v1', [1024]);
    await expect(crane('copy', `${berth.host}/team/local:v1`, `${berth.host}/mirror/local:v1`)).rejects.toThrow(/DENIED/);
  });

  it('regctl lists the merged referrers of a cached image and copies them with the image', async () => {
    const image = (await pushImage(upstream.url, 'pub/signed', 'v1', [1024])).manifest;
    const theirs = (await pushArtifact(upstream.url, 'pub/signed', image, UPSTREAM_SIGNATURE)).digest;
    const subject = `${berth.host}/mirror/signed@${image.digest}`;
    const mine = await putSbom(subject);

    const merged = [{ digest: mine, artifactType: SBOM }, { digest: theirs, artifactType: UPSTREAM_SIGNATURE }].sort((a, b) => a.digest.localeCompare(b.digest));
    expect(await listReferrers(subject)).toEqual(merged);
    expect(await listReferrers(subject, '--filter-artifact-type', UPSTREAM_SIGNATURE)).toEqual([{ digest: theirs, artifactType: UPSTREAM_SIGNATURE }]);

    await regctl('image', 'copy', '--referrers', `${berth.host}/mirror/signed:v1`, `${berth.host}/team/signed:v1`);
    expect((await regctl('image', 'digest', `${berth.host}/team/signed:v1`)).trim()).toBe(image.digest);
    expect(await listReferrers(`${berth.host}/team/signed@${image.digest}`)).toEqual(merged);
  });
});
