import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { ctrImageDigest, ctrPull, skopeoCopy, startContainerd, type ContainerdUnderTest } from '../harness/clients.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';
import { createSigningSandbox, type SigningSandbox } from '../harness/signing-tools.js';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { errorEntries, send } from '../api/helpers.js';
import { createUser, setMember } from '../auth/accounts.js';
import { basicHeader, type Credentials } from '../auth/registry-http.js';
import { dancePushCosignSignature, ecKey } from '../signatures/signed-content.js';

// Issue 17 with the real tools: keys made by cosign (generate-key-pair) and notation (cert
// generate-test), images signed by `cosign sign` and `notation sign`, pulled by skopeo and ctr.
// A hosted project enforces the team's cosign key and notation certificate; a proxy project in
// front of a second Berth enforces the publisher's cosign key (signatures listed by the upstream
// count); another hosted project only audits. Images are pushed and signed as the administrator
// (who may push) and pulled as `cluster`, a user who may only pull: the policy is for such callers.

const COSIGN_HTTP = ['--allow-insecure-registry', '--allow-http-registry'];
const OFFLINE_SIGN = ['--tlog-upload=false', '--use-signing-config=false', '-y', '--new-bundle-format=false'];

const ADMIN: Credentials = { username: 'admin', password: 'signature-e2e-admin-1' };
const ADMIN_CREDS = `${ADMIN.username}:${ADMIN.password}`;
let cluster: Credentials;
let work: string;
let upstream: BerthUnderTest;
let berth: BerthUnderTest;
let cosign: SigningSandbox;
let notation: SigningSandbox;
let single: BuiltImage;
let multi: BuiltImage;

const keyOf = (who: string) => join(cosign.dir, `${who}.key`);
const publicKeyOf = (who: string) => readFile(join(cosign.dir, `${who}.pub`), 'utf8');

/** `cosign sign` with a key; as the administrator when signing in Berth (the upstream has no authentication). */
async function cosignSign(who: string, ref: string): Promise<void> {
  const login = ref.startsWith(berth.host) ? ['--registry-username', ADMIN.username, '--registry-password', ADMIN.password] : [];
  await cosign.run(['sign', '--key', keyOf(who), ...OFFLINE_SIGN, ...COSIGN_HTTP, ...login, ref]);
}

/** Copy `ref` out of Berth with skopeo as `cluster` (every platform with `all`); its error when refused. */
async function skopeoPull(ref: string, all = false): Promise<void> {
  await skopeoCopy(`docker://${ref}`, `oci:${join(work, `pulled-${Math.random().toString(36).slice(2)}`)}:x`, { all, srcCreds: `${cluster.username}:${cluster.password}` });
}

/** Push the test image under `repo:tag` (every platform of `image`). */
async function pushTo(host: string, image: BuiltImage, repoTag: string): Promise<void> {
  await skopeoCopy(`oci:${image.dir}:${image.tag}`, `docker://${host}/${repoTag}`, { all: true, preserveDigests: true, ...(host === berth.host ? { destCreds: ADMIN_CREDS } : {}) });
}

async function manifestStatus(repo: string, reference: string): Promise<{ status: number; message: string }> {
  const result = await send(berth.url, 'GET', `/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT, Authorization: basicHeader(cluster) } });
  return { status: result.status, message: result.status === 200 ? '' : String(errorEntries(result)[0]?.message ?? result.text()) };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-signature-policy-e2e-'));
  cosign = await createSigningSandbox('cosign', { COSIGN_PASSWORD: 'berth-test-key' });
  for (const who of ['team', 'publisher', 'stranger']) await cosign.run(['generate-key-pair', '--output-key-prefix', join(cosign.dir, who)]);
  notation = await createSigningSandbox('notation');
  await notation.run(['cert', 'generate-test', 'team.example.com']);
  const teamCert = await readFile(join(notation.dir, 'config', 'notation', 'localkeys', 'team.example.com.crt'), 'utf8');
  upstream = await startBerth({ config: { projects: [{ name: 'pub', kind: 'hosted' }] } });
  const teamKey = { name: 'team', publicKey: await publicKeyOf('team') };
  berth = await startBerth({
    config: {
      auth: { admin: ADMIN },
      projects: [
        {
          name: 'team',
          kind: 'hosted',
          signaturePolicy: { mode: 'enforce', cosign: { keys: [teamKey] }, notation: { trustStore: [teamCert], trustedIdentities: ['x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=team.example.com'] } },
        },
        { name: 'watch', kind: 'hosted', signaturePolicy: { mode: 'audit', cosign: { keys: [teamKey] } } },
        {
          name: 'mirror',
          kind: 'proxy',
          referrersProxy: true,
          tagTtlSeconds: 0,
          nameMapping: { prefix: 'pub/' },
          upstream: { url: upstream.url },
          signaturePolicy: { mode: 'enforce', cosign: { keys: [{ name: 'publisher', publicKey: await publicKeyOf('publisher') }] } },
        },
      ],
      // Every read of an upstream referrers list older than this refreshes it (in the background).
      referrersCache: { freshTtlSeconds: 0 },
    },
  });
  cluster = await createUser(berth.url, ADMIN, 'cluster');
  for (const project of ['team', 'watch', 'mirror']) await setMember(berth.url, ADMIN, project, cluster.username, 'guest');
  single = await buildImageLayout(join(work, 'single'), { tag: 'v1', layerSizes: [256], seed: 'single' });
  multi = await buildImageLayout(join(work, 'multi'), { tag: 'v1', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], layerSizes: [256], seed: 'multi' });
}, 180_000);

afterAll(async () => {
  await cosign?.stop();
  await notation?.stop();
  await berth?.stop();
  await upstream?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('a hosted project enforcing the team’s keys', () => {
  it('refuses an unsigned image (skopeo sees 403 DENIED naming the policy)', async () => {
    await pushTo(berth.host, single, 'team/unsigned:v1');
    await expect(skopeoPull(`${berth.host}/team/unsigned:v1`)).rejects.toThrow(/signature policy of project team/);
  });

  it('refuses an image signed by cosign with a key the project does not trust', async () => {
    await pushTo(berth.host, single, 'team/stranger:v1');
    await cosignSign('stranger', `${berth.host}/team/stranger@${single.topDigest}`);
    await expect(skopeoPull(`${berth.host}/team/stranger:v1`)).rejects.toThrow(/signature policy of project team/);
    expect((await manifestStatus('team/stranger', 'v1')).message).toMatch(/cosign-simple-signing\): .*(verif|key)/i);
  });

  it('serves an image the team signed with cosign, and `cosign verify` as a pull-only user works through the policy', async () => {
    await pushTo(berth.host, single, 'team/cosigned:v1');
    await cosignSign('team', `${berth.host}/team/cosigned@${single.topDigest}`);
    await skopeoPull(`${berth.host}/team/cosigned:v1`);
    // cosign reads the image and its `.sig` manifest (not an image: served without a signature of its own).
    const login = ['--registry-username', cluster.username, '--registry-password', cluster.password];
    const { stdout } = await cosign.run(['verify', '--key', join(cosign.dir, 'team.pub'), '--insecure-ignore-tlog', ...COSIGN_HTTP, '--new-bundle-format=false', ...login, `${berth.host}/team/cosigned:v1`]);
    expect(stdout.toString()).toContain(single.topDigest);
  });

  it('serves an image the team signed with notation', async () => {
    await pushTo(berth.host, single, 'team/notarized:v1');
    await expect(skopeoPull(`${berth.host}/team/notarized:v1`)).rejects.toThrow(/signature policy/);
    await notation.run(['sign', '--insecure-registry', '--username', ADMIN.username, '--password', ADMIN.password, '--key', 'team.example.com', `${berth.host}/team/notarized@${single.topDigest}`]);
    await skopeoPull(`${berth.host}/team/notarized:v1`);
  });

  it('answers a malformed signature with 403 and its reason, never a 5xx', async () => {
    await pushTo(berth.host, single, 'team/malformed:v1');
    await dancePushCosignSignature(berth.url, 'team/malformed', ecKey(), single.topDigest, ADMIN, { payload: '{"critical":' });
    const { status, message } = await manifestStatus('team/malformed', 'v1');
    expect(status).toBe(403);
    expect(message).toContain(single.topDigest);
    expect(message).toMatch(/cosign-simple-signing\): \S/);
  });

  describe('a signed multi-platform index', () => {
    let containerd: ContainerdUnderTest;
    beforeAll(async () => {
      containerd = await startContainerd();
      await pushTo(berth.host, multi, 'team/multi:v1');
      await pushTo(berth.host, multi, 'team/multi-unsigned:v1');
      await cosignSign('team', `${berth.host}/team/multi@${multi.indexDigest ?? ''}`);
    }, 120_000);
    afterAll(async () => {
      await containerd?.stop();
    });

    it('is pulled by skopeo, every platform (platform manifests by digest pass through the signed index)', async () => {
      await skopeoPull(`${berth.host}/team/multi:v1`, true);
      await expect(skopeoPull(`${berth.host}/team/multi-unsigned:v1`, true)).rejects.toThrow(/signature policy/);
    });

    it('is pulled and unpacked by ctr', async () => {
      const ref = `${berth.host}/team/multi:v1`;
      const user = `${cluster.username}:${cluster.password}`;
      await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/arm64', user });
      expect(await ctrImageDigest(containerd, ref)).toBe(multi.indexDigest);
      await expect(ctrPull(containerd, `${berth.host}/team/multi-unsigned:v1`, { plainHttp: true, platform: 'linux/arm64', user })).rejects.toThrow(/403|denied|signature policy/i);
    });
  });
});

describe('a proxy project enforcing the publisher’s key', () => {
  it('serves an image the publisher signed upstream, on a cold pull, and refuses an unsigned one', async () => {
    await pushTo(upstream.host, single, 'pub/app:v1');
    await cosignSign('publisher', `${upstream.host}/pub/app@${single.topDigest}`);
    await skopeoPull(`${berth.host}/mirror/app:v1`);
    await pushTo(upstream.host, multi, 'pub/unsigned:v1');
    await expect(skopeoPull(`${berth.host}/mirror/unsigned:v1`)).rejects.toThrow(/signature policy of project mirror/);
  });

  it('refuses the image again once the publisher’s signature is deleted upstream and the list is refreshed', async () => {
    const sigTag = `${single.topDigest.replace(':', '-')}.sig`;
    const signature = await send(upstream.url, 'HEAD', `/v2/pub/app/manifests/${sigTag}`, { headers: { Accept: MANIFEST_ACCEPT } });
    const digest = signature.headers.get('docker-content-digest') ?? '';
    expect((await send(upstream.url, 'DELETE', `/v2/pub/app/manifests/${digest}`)).status).toBe(202);
    // The cached list is answered while one background refresh reads the upstream's again: wait for it.
    const deadline = Date.now() + 60_000;
    let last = await manifestStatus('mirror/app', 'v1');
    while (last.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await manifestStatus('mirror/app', 'v1');
    }
    expect(last.status).toBe(403);
    expect(last.message).toContain('signature policy of project mirror');
  });
});

describe('audit mode', () => {
  it('serves an unsigned image and counts the failure', async () => {
    await pushTo(berth.host, single, 'watch/app:v1');
    await skopeoPull(`${berth.host}/watch/app:v1`);
    const metrics = await send(berth.url, 'GET', '/metrics');
    expect(metrics.text()).toMatch(/berth_signature_verdicts_total\{project="watch",mode="audit",result="failed"\} [1-9]/);
  });
});
