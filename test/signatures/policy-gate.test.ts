import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { manifestDescriptor, ociIndex, randomBlob } from '../api/content.js';
import { call, errorEntries, getManifest, pushBlob, pushImage, pushManifest } from '../api/helpers.js';
import { ecKey, enforce, pushCosignSignature, sigTag } from './signed-content.js';

// The signature policy at the /v2 manifest routes of hosted projects (authentication off here; see
// policy-access.test.ts for who may ask): refused without a trusted signature, served with one, never
// a 5xx for bad signatures, recomputed when the signatures change, one project's verdicts never
// another's. Signatures are made by the test in cosign's format; e2e/signature-policy.test.ts uses
// the real tools.

jest.setTimeout(120_000);

const team = ecKey();
const stranger = ecKey();
let berth: BerthUnderTest;

beforeAll(async () => {
  berth = await startBerth({
    config: {
      projects: [
        { kind: 'hosted', name: 'signed', signaturePolicy: enforce(team) },
        { kind: 'hosted', name: 'strict', signaturePolicy: enforce(stranger) },
        { kind: 'hosted', name: 'plain' },
      ],
    },
  });
});

afterAll(async () => {
  await berth?.stop();
});

const get = (repo: string, reference: string, method = 'GET') => getManifest(berth.url, repo, reference, method);

function expectRefused(result: Awaited<ReturnType<typeof get>>, project: string, digest: string): string {
  expect(result.status).toBe(403);
  const [entry] = errorEntries(result);
  expect(entry?.code).toBe('DENIED');
  expect(entry?.message).toContain(`signature policy of project ${project}`);
  expect(entry?.message).toContain(digest);
  return String(entry!.message);
}

describe('enforce in a hosted project', () => {
  it('refuses an unsigned image by tag and by digest, GET and HEAD, saying none was found', async () => {
    const { manifest } = await pushImage(berth.url, 'signed/unsigned', 'v1');
    const message = expectRefused(await get('signed/unsigned', 'v1'), 'signed', manifest.digest);
    expect(message).toContain('no signatures found');
    expectRefused(await get('signed/unsigned', manifest.digest), 'signed', manifest.digest);
    expect((await get('signed/unsigned', 'v1', 'HEAD')).status).toBe(403);
    expect((await get('signed/unsigned', manifest.digest, 'HEAD')).status).toBe(403);
  });

  it('serves an image signed with a trusted key, by tag and by digest', async () => {
    const { manifest } = await pushImage(berth.url, 'signed/app', 'v1');
    expect((await get('signed/app', 'v1')).status).toBe(403);
    await pushCosignSignature(berth.url, 'signed/app', team, manifest.digest);
    const byTag = await get('signed/app', 'v1');
    expect(byTag.status).toBe(200);
    expect(byTag.body.equals(manifest.bytes)).toBe(true);
    expect((await get('signed/app', manifest.digest)).status).toBe(200);
    expect((await get('signed/app', 'v1', 'HEAD')).status).toBe(200);
  });

  it('refuses an image signed only with an untrusted key, naming the failed signature', async () => {
    const { manifest } = await pushImage(berth.url, 'signed/foreign', 'v1');
    const signature = await pushCosignSignature(berth.url, 'signed/foreign', stranger, manifest.digest);
    const message = expectRefused(await get('signed/foreign', 'v1'), 'signed', manifest.digest);
    expect(message).toContain(signature.digest);
  });

  it('answers a malformed signature (bad base64, payload for another image, garbage payload) with 403 and a reason, never a 5xx', async () => {
    const { manifest } = await pushImage(berth.url, 'signed/broken', 'v1');
    const other = await pushImage(berth.url, 'signed/broken', 'other');
    for (const options of [{ signature: '%%% not base64' }, { payload: '{"critical": 1' }, { payload: JSON.stringify({ critical: { image: { 'docker-manifest-digest': other.manifest.digest } } }) }]) {
      await pushCosignSignature(berth.url, 'signed/broken', team, manifest.digest, options);
      const result = await get('signed/broken', 'v1');
      const message = expectRefused(result, 'signed', manifest.digest);
      expect(message).toMatch(/cosign-simple-signing\): \S/);
    }
  });

  it('refuses again once the signature is deleted (the verdict is recomputed on a referrers change)', async () => {
    const { manifest } = await pushImage(berth.url, 'signed/revoked', 'v1');
    const signature = await pushCosignSignature(berth.url, 'signed/revoked', team, manifest.digest);
    expect((await get('signed/revoked', 'v1')).status).toBe(200);
    const deleted = await call(berth.url, 'DELETE', `/v2/signed/revoked/manifests/${signature.digest}`);
    expect(deleted.status).toBe(202);
    expectRefused(await get('signed/revoked', 'v1'), 'signed', manifest.digest);
  });

  it('serves a platform manifest by digest when a signed index of the repository lists it, and not otherwise', async () => {
    const amd = await pushImage(berth.url, 'signed/multi', undefined);
    const arm = await pushImage(berth.url, 'signed/multi', undefined);
    const index = ociIndex({
      manifests: [
        manifestDescriptor(amd.manifest, { platform: { os: 'linux', architecture: 'amd64' } }),
        manifestDescriptor(arm.manifest, { platform: { os: 'linux', architecture: 'arm64' } }),
      ],
    });
    await pushManifest(berth.url, 'signed/multi', 'v1', index);
    expectRefused(await get('signed/multi', amd.manifest.digest), 'signed', amd.manifest.digest);
    await pushCosignSignature(berth.url, 'signed/multi', team, index.digest);
    expect((await get('signed/multi', 'v1')).status).toBe(200);
    expect((await get('signed/multi', amd.manifest.digest)).status).toBe(200);
    expect((await get('signed/multi', arm.manifest.digest)).status).toBe(200);
    // An image no signed index lists stays refused.
    const loose = await pushImage(berth.url, 'signed/multi', undefined);
    expectRefused(await get('signed/multi', loose.manifest.digest), 'signed', loose.manifest.digest);
  });

  it('serves the signature manifests themselves (verifiers read them back), but not a runnable image that claims a signature type', async () => {
    const { manifest } = await pushImage(berth.url, 'signed/readback', 'v1');
    const signature = await pushCosignSignature(berth.url, 'signed/readback', stranger, manifest.digest);
    expect((await get('signed/readback', sigTag(manifest.digest))).status).toBe(200);
    expect((await get('signed/readback', signature.digest)).status).toBe(200);
    const disguised = await pushImage(berth.url, 'signed/readback', 'disguised', { artifactType: 'application/vnd.cncf.notary.signature', subject: manifestDescriptor(manifest) });
    expectRefused(await get('signed/readback', 'disguised'), 'signed', disguised.manifest.digest);
  });

  it('does not gate blobs, referrers, tags or pushes', async () => {
    const { manifest, layers } = await pushImage(berth.url, 'signed/ungated', 'v1');
    expect((await call(berth.url, 'GET', `/v2/signed/ungated/blobs/${layers[0]!.digest}`)).status).toBe(200);
    expect((await call(berth.url, 'GET', `/v2/signed/ungated/referrers/${manifest.digest}`)).status).toBe(200);
    expect((await call(berth.url, 'GET', '/v2/signed/ungated/tags/list')).status).toBe(200);
    await pushBlob(berth.url, 'signed/ungated', randomBlob(32));
  });
});

describe('verdicts belong to one project', () => {
  it('an image signed for one project is refused in a project that trusts another key, whatever was cached first', async () => {
    // The same bytes in both projects, signed with the team key in both.
    const first = await pushImage(berth.url, 'signed/shared', 'v1');
    for (const blob of [first.config, ...first.layers]) await pushBlob(berth.url, 'strict/shared', blob);
    await pushManifest(berth.url, 'strict/shared', 'v1', first.manifest);
    await pushCosignSignature(berth.url, 'signed/shared', team, first.manifest.digest);
    await pushCosignSignature(berth.url, 'strict/shared', team, first.manifest.digest);
    expect((await get('signed/shared', 'v1')).status).toBe(200);
    expectRefused(await get('strict/shared', 'v1'), 'strict', first.manifest.digest);
    expect((await get('signed/shared', first.manifest.digest)).status).toBe(200);
  });

  it('a project without a policy serves unsigned images', async () => {
    await pushImage(berth.url, 'plain/app', 'v1');
    expect((await get('plain/app', 'v1')).status).toBe(200);
  });
});
