import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { AUTH_ADMIN, bearerFor } from '../api/bearer.js';
import { call, expectOciError, send } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { startTokenIssuer, type TokenIssuer } from '../harness/token-issuer.js';
import { AdminApi } from '../admin/api.js';
import { referrersTagFor } from '@berth/oci';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, manifestDescriptor, ociIndex, ociManifest, unknownDigest, type ManifestDoc } from '../api/content.js';
import { pushBlob, pushImage, pushManifest, pushToken } from '../upstream/push.js';
import {
  COSIGN_SIG_ARTIFACT, NOTATION_SIGNATURE, SIGSTORE_BUNDLE,
  attachSigstoreBundle, pushArtifact, pushCosignSignature, readReferrers,
} from './referrers-fixtures.js';

// Referrers of proxy projects against docker-registry (no referrers API, token auth): the
// upstream's list read through its tag schema and cosign's tags, merged with referrers pushed to
// Berth, cached, filtered and paged by Berth. @sigstore/oci signs on both sides.

const PUBLISHER = { name: 'publisher', password: 'pw-9d1e' };
let issuer: TokenIssuer;
let registry: DockerRegistryUnderTest;
let relay: FaultRelay;
let berth: BerthUnderTest;
let pushTo: string; // a Berth token for hub/team/signed: pull, push, delete
let image: ManifestDoc;
const local: Record<'sigstore' | 'notation', string> = { sigstore: '', notation: '' };
const upstream: Record<'sigstore' | 'cosign', string> = { sigstore: '', cosign: '' };
const UPSTREAM_REFERRERS = /\/referrers\/|\/manifests\/sha256-/;

beforeAll(async () => {
  issuer = await startTokenIssuer({ service: 'referrers-upstream', issuer: 'berth-test', users: { [PUBLISHER.name]: PUBLISHER.password } });
  registry = await startDockerRegistry({
    auth: { token: { realm: issuer.url, service: issuer.service, issuer: issuer.issuer, rootCertBundle: issuer.rootCertBundle } },
  });
  relay = await startFaultRelay(registry.url);
  const upstreamSettings = { url: relay.url, username: PUBLISHER.name, password: PUBLISHER.password, tokenRealmHosts: [issuer.host] };
  berth = await startBerth({
    config: {
      auth: { admin: { password: AUTH_ADMIN.password } },
      projects: [
        { name: 'hub', kind: 'proxy', public: true, referrersProxy: true, upstream: upstreamSettings },
      ],
      limits: { referrersPageMaxDescriptors: 3 },
    },
  });
  // Its referrersProxy switch is turned through the admin API below, so the API owns it.
  await new AdminApi(berth.url).expect(201, 'POST', '/projects', {
    as: { name: AUTH_ADMIN.username, password: AUTH_ADMIN.password },
    body: { name: 'plain', kind: 'proxy', public: true, upstream: upstreamSettings },
  });
  // Upstream: the image, a sigstore bundle (@sigstore/oci falls back to the tag schema there) and a
  // cosign-style .sig tag.
  const publisherToken = await pushToken(issuer, 'team/signed', PUBLISHER);
  image = (await pushImage(registry.url, 'team/signed', 'v1', [100], publisherToken)).manifest;
  upstream.sigstore = await attachSigstoreBundle(registry.host, 'team/signed', image.digest, { username: PUBLISHER.name, password: PUBLISHER.password });
  upstream.cosign = (await pushCosignSignature(registry.url, 'team/signed', image, publisherToken)).digest;
  // Berth: a sigstore bundle through @sigstore/oci (Berth has the referrers API) and a
  // notation-style signature pushed by hand.
  pushTo = (await bearerFor(berth.url, ['repository:hub/team/signed:pull,push,delete']))!;
  local.sigstore = await attachSigstoreBundle(new URL(berth.url).host, 'hub/team/signed', image.digest, AUTH_ADMIN);
  local.notation = (await pushArtifact(berth.url, 'hub/team/signed', image, NOTATION_SIGNATURE, pushTo)).digest;
}, 120_000);

afterAll(async () => {
  await berth?.stop();
  await relay?.stop();
  await registry?.stop();
  await issuer?.stop();
});

const referrersPath = (project: string, subject = image.digest) => `/v2/${project}/team/signed/referrers/${subject}`;

describe('the merged answer', () => {
  it('lists cosign tags first, then local referrers, then the upstream tag schema, fetched once and then cached', async () => {
    const before = relay.count('GET', UPSTREAM_REFERRERS) + relay.count('HEAD', UPSTREAM_REFERRERS);
    const first = await readReferrers(berth.url, referrersPath('hub'));
    expect(first.headers[0]?.get('cache-status')).toBe('Berth; fwd=miss; stored');
    // The upstream's cosign .sig tag first (cosign's OCI 1.1 verify checks the last entry of its type).
    expect(first.digests[0]).toBe(upstream.cosign);
    expect(first.digests.slice(1, 3).sort()).toEqual([local.sigstore, local.notation].sort());
    expect(first.digests.slice(3)).toEqual([upstream.sigstore]);
    expect(first.pages).toBe(2); // 4 descriptors, pages of 3
    const types = Object.fromEntries(first.digests.map((digest, i) => [digest, first.artifactTypes[i]]));
    expect(types).toEqual({
      [local.sigstore]: SIGSTORE_BUNDLE,
      [local.notation]: NOTATION_SIGNATURE,
      [upstream.sigstore]: SIGSTORE_BUNDLE,
      [upstream.cosign]: COSIGN_SIG_ARTIFACT,
    });
    const asked = relay.count('GET', UPSTREAM_REFERRERS) + relay.count('HEAD', UPSTREAM_REFERRERS) - before;
    expect(asked).toBeGreaterThan(0);

    const again = await readReferrers(berth.url, referrersPath('hub'));
    expect(again.digests).toEqual(first.digests);
    expect(again.headers[0]?.get('cache-status')).toMatch(/^Berth; hit; ttl=\d+$/);
    expect(relay.count('GET', UPSTREAM_REFERRERS) + relay.count('HEAD', UPSTREAM_REFERRERS) - before).toBe(asked);

    const metrics = await (await fetch(`${berth.url}/metrics`)).text();
    expect(metrics).toMatch(/berth_proxy_referrers_lists_total\{project="hub",outcome="miss"\} [1-9]/);
    expect(metrics).toMatch(/berth_proxy_referrers_lists_total\{project="hub",outcome="hit"\} [1-9]/);
    expect(metrics).toMatch(/berth_referrers_cache_entries [1-9]/);
    expect(metrics).toMatch(/berth_referrers_cache_bytes [1-9]\d*/);
  });

  it('filters by artifactType itself, over local and upstream entries, and says so', async () => {
    const bundles = await readReferrers(berth.url, `${referrersPath('hub')}?artifactType=${encodeURIComponent(SIGSTORE_BUNDLE)}`);
    expect(bundles.digests.sort()).toEqual([local.sigstore, upstream.sigstore].sort());
    expect(bundles.headers[0]?.get('oci-filters-applied')).toBe('artifactType');
    const cosign = await readReferrers(berth.url, `${referrersPath('hub')}?artifactType=${encodeURIComponent(COSIGN_SIG_ARTIFACT)}`);
    expect(cosign.digests).toEqual([upstream.cosign]);
    const none = await readReferrers(berth.url, `${referrersPath('hub')}?artifactType=application%2Fvnd.example.none`);
    expect(none.digests).toEqual([]);
  });

  it('lists an upstream referrer pulled through Berth once (local wins)', async () => {
    const pulled = await call(berth.url, 'GET', `/v2/hub/team/signed/manifests/${upstream.sigstore}`, { headers: { accept: MEDIA.ociManifest } });
    expect(pulled.status).toBe(200);
    const answer = await readReferrers(berth.url, referrersPath('hub'));
    expect(answer.digests.filter((digest) => digest === upstream.sigstore)).toHaveLength(1);
    expect(new Set(answer.digests).size).toBe(answer.digests.length);
  });

  it('drops a deleted local referrer from the next answer', async () => {
    const extra = await pushArtifact(berth.url, 'hub/team/signed', image, 'application/vnd.example.sbom', pushTo);
    expect((await readReferrers(berth.url, referrersPath('hub'))).digests).toContain(extra.digest);
    const deleted = await send(berth.url, 'DELETE', `/v2/hub/team/signed/manifests/${extra.digest}`, { headers: { authorization: `Bearer ${pushTo}` } });
    expect(deleted.status).toBe(202);
    expect((await readReferrers(berth.url, referrersPath('hub'))).digests).not.toContain(extra.digest);
  });
});

describe('answers that are not lists of upstream referrers', () => {
  it('leaves the upstream out where referrersProxy is off', async () => {
    const before = relay.requests().length;
    const answer = await readReferrers(berth.url, referrersPath('plain'));
    expect(answer.digests).toEqual([]);
    expect(answer.headers[0]?.get('cache-status')).toBeNull();
    expect(relay.requests().slice(before).filter((r) => UPSTREAM_REFERRERS.test(r.path))).toEqual([]);
  });

  it('answers an empty index for a subject nothing refers to, and 400 for a bad digest', async () => {
    const empty = await readReferrers(berth.url, referrersPath('hub', unknownDigest()));
    expect(empty.digests).toEqual([]);
    expect(empty.headers[0]?.get('cache-status')).toBe('Berth; fwd=miss; stored');
    const bad = await call(berth.url, 'GET', referrersPath('hub', 'sha256:nothex'));
    expectOciError(bad, 400, 'DIGEST_INVALID');
  });
});

describe('local referrers without OCI-Subject', () => {
  it('counts manifests listed in a tag-schema index pushed to Berth', async () => {
    // A client that never saw OCI-Subject: an artifact without subject, listed in the sha256-<hex> index.
    const payload = blobOf(`attestation of ${image.digest}`);
    await pushBlob(berth.url, 'hub/team/signed', EMPTY_JSON, pushTo);
    await pushBlob(berth.url, 'hub/team/signed', payload, pushTo);
    const attestation = ociManifest({
      artifactType: 'application/vnd.example.attestation',
      config: descriptor(MEDIA.ociEmpty, EMPTY_JSON),
      layers: [descriptor('application/octet-stream', payload)],
    });
    // Pushed under a cosign-style tag: the push policy takes manifests without subject only so.
    await pushManifest(berth.url, 'hub/team/signed', `${image.digest.replace(':', '-')}.att`, attestation, pushTo);
    const index = ociIndex({ manifests: [manifestDescriptor(attestation, { artifactType: 'application/vnd.example.attestation' })] });
    await pushManifest(berth.url, 'hub/team/signed', referrersTagFor(image.digest), index, pushTo);
    const answer = await readReferrers(berth.url, referrersPath('hub'));
    expect(answer.digests).toContain(attestation.digest);
    expect(answer.digests.filter((digest) => digest === attestation.digest)).toHaveLength(1); // index and .att tag: once
  });
});

describe('the switch and the purge through the admin API', () => {
  const admin = { name: AUTH_ADMIN.username, password: AUTH_ADMIN.password };
  const upstreamAsked = () => relay.count('GET', UPSTREAM_REFERRERS) + relay.count('HEAD', UPSTREAM_REFERRERS);

  it('turning referrersProxy on and off changes the next answer at once', async () => {
    const api = new AdminApi(berth.url);
    await api.expect(200, 'PATCH', '/projects/plain', { as: admin, body: { referrersProxy: true } });
    const on = await readReferrers(berth.url, referrersPath('plain'));
    expect(on.digests).toEqual([upstream.cosign, upstream.sigstore]);
    expect(on.headers[0]?.get('cache-status')).toBe('Berth; fwd=miss; stored');

    await api.expect(200, 'PATCH', '/projects/plain', { as: admin, body: { referrersProxy: false } });
    const before = upstreamAsked();
    const off = await readReferrers(berth.url, referrersPath('plain'));
    expect(off.digests).toEqual([]);
    expect(upstreamAsked()).toBe(before);
  });

  it('a purge of the repository drops its cached upstream list', async () => {
    const api = new AdminApi(berth.url);
    const cached = await readReferrers(berth.url, referrersPath('hub'));
    expect(cached.headers[0]?.get('cache-status')).toMatch(/^Berth; hit/);
    await api.expect(200, 'POST', '/projects/hub/cache/purge', { as: admin, body: { repository: 'hub/team/signed' } });
    const before = upstreamAsked();
    const refetched = await readReferrers(berth.url, referrersPath('hub'));
    expect(refetched.headers[0]?.get('cache-status')).toBe('Berth; fwd=miss; stored');
    expect(upstreamAsked()).toBeGreaterThan(before);
    expect(refetched.digests).toEqual(expect.arrayContaining([local.sigstore, local.notation, upstream.sigstore, upstream.cosign]));
  });
});
