import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { pushImage } from '../upstream/push.js';
import { clientHome, runTool, type ClientHome } from './go-clients.js';

// oras (pinned in scripts/go-tools.json) attaching an SBOM to an image cached by a proxy project and
// discovering its referrers: ours and the ones the upstream holds, merged. Through the referrers API
// (upstream: a second Berth) and through the referrers tag schema (upstream: docker-registry, which
// has no referrers API).

const SBOM = 'application/spdx+json';
const UPSTREAM_SIGNATURE = 'application/vnd.example.upstream-signature';

let upstream: BerthUnderTest;
let plain: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let work: string;
let home: ClientHome;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-oras-'));
  home = await clientHome(work, 'oras');
  upstream = await startBerth({ config: { projects: [{ name: 'pub', kind: 'hosted' }] } });
  plain = await startDockerRegistry();
  berth = await startBerth({
    config: {
      projects: [
        { name: 'team', kind: 'hosted' },
        { name: 'mirror', kind: 'proxy', referrersProxy: true, nameMapping: { prefix: 'pub/' }, upstream: { url: upstream.url } },
        { name: 'plain', kind: 'proxy', referrersProxy: true, upstream: { url: plain.url } },
      ],
      // one referrer per page: the clients must follow the Link header to see the whole list
      limits: { referrersPageMaxDescriptors: 1 },
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await plain?.stop();
  await upstream?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** `oras attach` a small file of `artifactType` to `ref`; the new referrer's digest. */
async function attach(ref: string, artifactType: string, extra: string[] = []): Promise<string> {
  const file = `sbom-${Math.random().toString(36).slice(2)}.json`;
  await writeFile(join(home.dir, file), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: file }));
  const out = await runTool('oras', ['attach', '--plain-http', ...extra, '--artifact-type', artifactType, '--format', 'json', ref, `${file}:${SBOM}`], home);
  return (JSON.parse(out) as { digest: string }).digest;
}

interface DiscoveredReferrer {
  digest: string;
  artifactType: string;
}

/** `oras discover` of `ref`: its direct referrers (digest and artifactType). */
async function discover(ref: string, extra: string[] = []): Promise<DiscoveredReferrer[]> {
  const out = await runTool('oras', ['discover', '--plain-http', ...extra, '--format', 'json', ref], home);
  const answer = JSON.parse(out) as { referrers?: DiscoveredReferrer[]; manifests?: DiscoveredReferrer[] };
  return (answer.referrers ?? answer.manifests ?? []).map(({ digest, artifactType }) => ({ digest, artifactType }));
}

const byDigest = (list: DiscoveredReferrer[]) => [...list].sort((a, b) => a.digest.localeCompare(b.digest));

describe('oras through a proxy project whose upstream has the referrers API', () => {
  it('attaches an SBOM to a cached image and discovers it merged with the upstream referrer', async () => {
    const image = (await pushImage(upstream.url, 'pub/app', 'v1', [512])).manifest;
    const theirs = await attach(`${upstream.host}/pub/app@${image.digest}`, UPSTREAM_SIGNATURE);

    // cache the image through Berth, then attach to it there
    expect((await runTool('oras', ['resolve', '--plain-http', `${berth.host}/mirror/app:v1`], home)).trim()).toBe(image.digest);
    const mine = await attach(`${berth.host}/mirror/app@${image.digest}`, SBOM);

    expect(byDigest(await discover(`${berth.host}/mirror/app@${image.digest}`))).toEqual(
      byDigest([{ digest: mine, artifactType: SBOM }, { digest: theirs, artifactType: UPSTREAM_SIGNATURE }]),
    );
    expect(await discover(`${berth.host}/mirror/app@${image.digest}`, ['--artifact-type', SBOM])).toEqual([{ digest: mine, artifactType: SBOM }]);
    // the upstream never saw our SBOM
    expect(await discover(`${upstream.host}/pub/app@${image.digest}`)).toEqual([{ digest: theirs, artifactType: UPSTREAM_SIGNATURE }]);

    // deleting ours (oras manifest delete) leaves the upstream's
    await runTool('oras', ['manifest', 'delete', '--plain-http', '--force', `${berth.host}/mirror/app@${mine}`], home);
    expect(await discover(`${berth.host}/mirror/app@${image.digest}`)).toEqual([{ digest: theirs, artifactType: UPSTREAM_SIGNATURE }]);
    // copying the image with its referrers (oras cp -r) out of the proxy project into a hosted one
    await runTool('oras', ['cp', '-r', '--from-plain-http', '--to-plain-http', `${berth.host}/mirror/app:v1`, `${berth.host}/team/app:v1`], home);
    expect(await discover(`${berth.host}/team/app@${image.digest}`)).toEqual([{ digest: theirs, artifactType: UPSTREAM_SIGNATURE }]);
  });
});

const TAG_SCHEMA = ['--distribution-spec', 'v1.1-referrers-tag'];

describe('oras with the referrers tag schema (--distribution-spec v1.1-referrers-tag)', () => {
  it('attaches and discovers through the tag schema in a proxy project over an upstream with the referrers API', async () => {
    const image = (await pushImage(upstream.url, 'pub/tagged', 'v1', [512])).manifest;
    const theirs = await attach(`${upstream.host}/pub/tagged@${image.digest}`, UPSTREAM_SIGNATURE);
    const mine = await attach(`${berth.host}/mirror/tagged@${image.digest}`, SBOM, TAG_SCHEMA);

    // the sha256-<hex> tag is the index oras pushed: what was attached here (the upstream wrote no tag)
    expect(await discover(`${berth.host}/mirror/tagged@${image.digest}`, TAG_SCHEMA)).toEqual([{ digest: mine, artifactType: SBOM }]);
    // the referrers API merges what oras wrote as a tag-schema index with the upstream's referrers
    expect(byDigest(await discover(`${berth.host}/mirror/tagged@${image.digest}`))).toEqual(
      byDigest([{ digest: mine, artifactType: SBOM }, { digest: theirs, artifactType: UPSTREAM_SIGNATURE }]),
    );
  });

  it('adds to an upstream tag-schema index: Berth fetches the upstream referrer the pushed index lists', async () => {
    const image = (await pushImage(plain.url, 'library/app', 'v1', [512])).manifest;
    const theirs = await attach(`${plain.host}/library/app@${image.digest}`, UPSTREAM_SIGNATURE, TAG_SCHEMA);
    const mine = await attach(`${berth.host}/plain/library/app@${image.digest}`, SBOM, TAG_SCHEMA);
    const expected = byDigest([{ digest: mine, artifactType: SBOM }, { digest: theirs, artifactType: UPSTREAM_SIGNATURE }]);
    expect(byDigest(await discover(`${berth.host}/plain/library/app@${image.digest}`, TAG_SCHEMA))).toEqual(expected);
    expect(byDigest(await discover(`${berth.host}/plain/library/app@${image.digest}`))).toEqual(expected);
    // the upstream's index is unchanged
    expect(await discover(`${plain.host}/library/app@${image.digest}`, TAG_SCHEMA)).toEqual([{ digest: theirs, artifactType: UPSTREAM_SIGNATURE }]);

    // deleting ours through the tag schema (oras rewrites the sha256-<hex> index without it)
    await runTool('oras', ['manifest', 'delete', '--plain-http', ...TAG_SCHEMA, '--force', `${berth.host}/plain/library/app@${mine}`], home);
    const left = [{ digest: theirs, artifactType: UPSTREAM_SIGNATURE }];
    expect(await discover(`${berth.host}/plain/library/app@${image.digest}`, TAG_SCHEMA)).toEqual(left);
    expect(await discover(`${berth.host}/plain/library/app@${image.digest}`)).toEqual(left);
  });
});

describe('oras artifacts through a proxy project', () => {
  it('pulls an artifact pushed upstream (empty config, two files), byte for byte, and lists its tags', async () => {
    const dir = join(home.dir, 'artifact');
    await mkdir(dir, { recursive: true });
    const files = { 'chart.tgz': Buffer.alloc(200 * 1024, 7), 'values.yaml': Buffer.from('replicas: 3\n') };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    const pushed = JSON.parse(
      await runTool('oras', ['push', '--plain-http', '--artifact-type', 'application/vnd.example.chart', '--format', 'json', `${upstream.host}/pub/chart:1.0.0`, 'chart.tgz', 'values.yaml:application/yaml'], home, dir),
    ) as { digest: string };

    const out = join(home.dir, 'pulled');
    await runTool('oras', ['pull', '--plain-http', '-o', out, `${berth.host}/mirror/chart:1.0.0`], home);
    for (const [name, bytes] of Object.entries(files)) expect((await readFile(join(out, name))).equals(bytes)).toBe(true);
    expect((await runTool('oras', ['resolve', '--plain-http', `${berth.host}/mirror/chart:1.0.0`], home)).trim()).toBe(pushed.digest);
    expect((await runTool('oras', ['repo', 'tags', '--plain-http', `${berth.host}/mirror/chart`], home)).split('\n')).toContain('1.0.0');
    const fetched = await runTool('oras', ['manifest', 'fetch', '--plain-http', `${berth.host}/mirror/chart@${pushed.digest}`], home);
    expect(JSON.parse(fetched)).toMatchObject({ artifactType: 'application/vnd.example.chart' });
  });
});
