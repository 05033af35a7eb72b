import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { referrersTagFor } from '@berth/oci';
import { MANIFEST_ACCEPT, MEDIA, digestOf, manifestDescriptor, ociIndex, type ManifestDoc } from '../api/content.js';
import { pushManifest } from '../upstream/push.js';
import { call } from '../api/helpers.js';
import { pushArtifact, readReferrers, SIGSTORE_BUNDLE } from '../proxy/referrers-fixtures.js';
import { pushUpstreamImage, startProxySetup, type ProxySetup } from '../proxy/setup.js';
import { waitFor } from './helpers/wait.js';

// Stale answers refreshed by jobs, with no client asking again: a tag served stale while the
// upstream was down is checked again (retried with backoff) once it is back, and picks up the
// tag's new digest; a stale referrers list is re-read by one refresh job.

let setup: ProxySetup;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-refresh-'));
  setup = await startProxySetup(
    [{ kind: 'proxy', name: 'hub', tagTtlSeconds: 1, referrersProxy: true }],
    { referrersCache: { freshTtlSeconds: 1 } },
  );
}, 120_000);

afterAll(async () => {
  await setup?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const manifestRequests = (method: string, reference: string) => setup.relay.count(method, new RegExp(`/v2/library/app/manifests/${reference}$`));

describe('background refresh jobs', () => {
  it('re-checks a tag answered stale once the upstream is back, and follows it to its new digest', async () => {
    const first = await pushUpstreamImage(setup, work, 'app', { tag: 'v1', layerSizes: [1000], seed: 'one' });
    const pulled = await call(setup.berth.url, 'GET', '/v2/hub/library/app/manifests/v1', { headers: { Accept: MANIFEST_ACCEPT } });
    expect(digestOf(pulled.body)).toBe(first.topDigest);
    // The tag moves upstream while the upstream is unreachable for Berth.
    const second = await pushUpstreamImage(setup, work, 'app', { tag: 'v1', layerSizes: [1000], seed: 'two' });
    await setup.relay.down();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the tag TTL
    const stale = await call(setup.berth.url, 'GET', '/v2/hub/library/app/manifests/v1', { headers: { Accept: MANIFEST_ACCEPT } });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-status')).toContain('stale');
    expect(digestOf(stale.body)).toBe(first.topDigest);
    const heads = manifestRequests('HEAD', 'v1');
    await setup.relay.up();
    // No client request from here on: the refresh job's retry asks the upstream and fetches the new manifest.
    await waitFor(() => manifestRequests('GET', second.topDigest) === 1, 'the refresh job to fetch the moved tag', 40_000);
    expect(manifestRequests('HEAD', 'v1')).toBe(heads + 1);
    const fresh = await call(setup.berth.url, 'GET', '/v2/hub/library/app/manifests/v1', { headers: { Accept: MANIFEST_ACCEPT } });
    expect(digestOf(fresh.body)).toBe(second.topDigest);
  });

  it('re-reads a stale referrers list in one job, whatever the number of readers', async () => {
    const subjectBytes = (await call(setup.upstream.url, 'GET', '/v2/library/app/manifests/v1', { headers: { Accept: MANIFEST_ACCEPT } })).body;
    const subject: ManifestDoc = { bytes: subjectBytes, digest: digestOf(subjectBytes), size: subjectBytes.length, mediaType: MEDIA.ociManifest, json: {} };
    const path = `/v2/hub/library/app/referrers/${subject.digest}`;
    // Each read of the upstream list is one GET of the referrers tag (the upstream has no referrers API).
    const upstreamReads = () => setup.relay.count('GET', new RegExp(`/v2/library/app/manifests/${referrersTagFor(subject.digest)}$`));
    // docker-registry has no referrers API: the upstream's list is its referrers tag schema index.
    const publishIndex = (signatures: ManifestDoc[]) =>
      pushManifest(setup.upstream.url, 'library/app', referrersTagFor(subject.digest), ociIndex({ manifests: signatures.map((doc) => manifestDescriptor(doc, { artifactType: SIGSTORE_BUNDLE })) }));
    const firstSignature = await pushArtifact(setup.upstream.url, 'library/app', subject, SIGSTORE_BUNDLE);
    await publishIndex([firstSignature]);
    const first = await readReferrers(setup.berth.url, path);
    expect(first.digests).toEqual([firstSignature.digest]);
    const reads = upstreamReads();
    const secondSignature = await pushArtifact(setup.upstream.url, 'library/app', subject, SIGSTORE_BUNDLE);
    await publishIndex([firstSignature, secondSignature]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the fresh TTL
    // The refresh's read of the upstream is held until the five readers have their answers, so
    // they all see the stale list however the machine schedules the job.
    let release!: () => void;
    const stopHolding = setup.relay.fault({
      method: 'GET',
      path: new RegExp(`/v2/library/app/manifests/${referrersTagFor(subject.digest)}$`),
      times: 1,
      hold: new Promise<void>((resolve) => (release = resolve)),
    });
    let answers;
    try {
      answers = await Promise.all(Array.from({ length: 5 }, () => readReferrers(setup.berth.url, path)));
    } finally {
      release();
      stopHolding();
    }
    for (const answer of answers) {
      expect(answer.digests).toEqual([firstSignature.digest]);
      expect(answer.headers[0]?.get('cache-status')).toContain('stale');
    }
    await waitFor(async () => (await readReferrers(setup.berth.url, path)).digests.length === 2, 'the refresh job to cache the new list', 20_000);
    // One refresh for the five stale readers.
    expect(upstreamReads()).toBe(reads + 1);
    expect(new Set((await readReferrers(setup.berth.url, path)).digests)).toEqual(new Set([firstSignature.digest, secondSignature.digest]));
  });
});
