import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_ACCEPT, manifestDescriptor, ociIndex, type ManifestDoc } from '../api/content.js';
import { call, expectOciError } from '../api/helpers.js';
import { ADMIN, AdminApi, startBerthWithAuth } from '../admin/api.js';
import type { BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { startTokenIssuer, type TokenIssuer } from '../harness/token-issuer.js';
import { pushBlob, pushImage, pushManifest, pushToken, type PushedImage } from '../upstream/push.js';
import { NOTATION_SIGNATURE, pushArtifact, pushCosignSignature, readReferrers } from './referrers-fixtures.js';
import { BLOB_PATH, MANIFEST_PATH } from './setup.js';

// A virtual-registry project: three docker-registry upstreams asked in order, `a` and `b` plain,
// `c` behind token auth with the project's credentials; each behind a fault relay that counts what
// Berth asks and can make it look down. The tag TTL is 0, so every pull by tag asks the order again.

const USER = { name: 'puller', password: 'pw-multi-31c' };
let issuer: TokenIssuer;
const registries: DockerRegistryUnderTest[] = [];
const relays: FaultRelay[] = [];
let berth: BerthUnderTest;
let api: AdminApi;
let work: string;
const accept = { accept: MANIFEST_ACCEPT };

const [A, B, C] = [0, 1, 2];
const url = (index: number) => registries[index]!.url;
const relay = (index: number) => relays[index]!;

function upstreamsBody(order: number[]): Array<Record<string, unknown>> {
  const all: Array<Record<string, unknown>> = [
    { url: relays[A]!.url, name: 'a' },
    { url: relays[B]!.url, name: 'b' },
    { url: relays[C]!.url, name: 'c', username: USER.name, password: USER.password, tokenRealmHosts: [issuer.host] },
  ];
  return order.map((index) => all[index]!);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-multi-upstream-'));
  issuer = await startTokenIssuer({ service: 'token-upstream', issuer: 'berth-test', users: { [USER.name]: USER.password } });
  registries.push(await startDockerRegistry(), await startDockerRegistry());
  registries.push(await startDockerRegistry({ auth: { token: { realm: issuer.url, service: issuer.service, issuer: issuer.issuer, rootCertBundle: issuer.rootCertBundle } } }));
  for (const registry of registries) relays.push(await startFaultRelay(registry.url));
  berth = await startBerthWithAuth({
    config: { projects: [{ kind: 'proxy', name: 'fixed', upstreams: [{ url: relays[A]!.url, name: 'a' }, { url: relays[B]!.url, name: 'b' }] }] },
  });
  api = new AdminApi(berth.url);
  await api.expect(201, 'POST', '/projects', {
    as: ADMIN,
    body: { kind: 'proxy', name: 'virt', public: true, tagTtlSeconds: 0, maxStaleSeconds: 3600, negativeTtlSeconds: 0, referrersProxy: true, upstreams: upstreamsBody([A, B, C]) },
  });
}, 120_000);

afterAll(async () => {
  await berth?.stop();
  for (const each of relays) await each.stop();
  for (const registry of registries) await registry.stop();
  await issuer?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const pushTo = async (index: number, repository: string, tag: string, sizes = [2000]): Promise<PushedImage> =>
  pushImage(url(index), repository, tag, sizes, index === C ? await pushToken(issuer, repository, USER) : undefined);

const pull = (repository: string, reference: string) => call(berth.url, 'GET', `/v2/virt/${repository}/manifests/${reference}`, { headers: accept });

/** Requests a relay received for one repository (method and path pattern). */
const asked = (index: number, method: string, repository: string, pattern: RegExp) =>
  relay(index).requests().filter((r) => r.method === method && r.path.startsWith(`/v2/${repository}/`) && pattern.test(r.path)).length;

describe('tag resolution in order', () => {
  it('serves the first upstream that has the tag and names it in Cache-Status', async () => {
    const fromA = await pushTo(A, 'team/app', 'v1');
    await pushTo(B, 'team/app', 'v1');
    const answer = await pull('team/app', 'v1');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('docker-content-digest')).toBe(fromA.manifest.digest);
    expect(answer.headers.get('cache-status')).toBe('Berth; fwd=miss; stored; detail="upstream a"');
    expect(asked(B, 'HEAD', 'team/app', MANIFEST_PATH) + asked(B, 'GET', 'team/app', MANIFEST_PATH)).toBe(0);
    // The blobs come from the upstream that served the manifest.
    const layer = fromA.layers[0]!;
    const blob = await call(berth.url, 'GET', `/v2/virt/team/app/blobs/${layer.digest}`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(Buffer.from(layer.bytes))).toBe(true);
    expect(asked(A, 'GET', 'team/app', BLOB_PATH)).toBe(1);
    expect(asked(B, 'GET', 'team/app', BLOB_PATH) + asked(B, 'HEAD', 'team/app', BLOB_PATH)).toBe(0);
  });

  it('moves on past a 404 at the cost of one request to the upstream without the tag', async () => {
    const fromB = await pushTo(B, 'team/only-b', 'v1');
    const answer = await pull('team/only-b', 'v1');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('docker-content-digest')).toBe(fromB.manifest.digest);
    expect(answer.headers.get('cache-status')).toBe('Berth; fwd=miss; stored; detail="upstream b"');
    expect(relay(A).requests().filter((r) => r.path.startsWith('/v2/team/only-b/'))).toEqual([{ method: 'HEAD', path: '/v2/team/only-b/manifests/v1' }]);
    expect(asked(C, 'HEAD', 'team/only-b', MANIFEST_PATH)).toBe(0);
  });

  it('answers MANIFEST_UNKNOWN when no upstream has the tag', async () => {
    await pushTo(A, 'team/app', 'other');
    expectOciError(await pull('team/app', 'nowhere'), 404, 'MANIFEST_UNKNOWN');
  });

  it('finds a manifest and blobs only on the third upstream (token auth with the project credentials)', async () => {
    const fromC = await pushTo(C, 'deep/tool', 'v3', [3000, 1500]);
    const answer = await pull('deep/tool', 'v3');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('docker-content-digest')).toBe(fromC.manifest.digest);
    expect(answer.headers.get('cache-status')).toBe('Berth; fwd=miss; stored; detail="upstream c"');
    for (const blob of [fromC.config, ...fromC.layers]) {
      const got = await call(berth.url, 'GET', `/v2/virt/deep/tool/blobs/${blob.digest}`);
      expect(got.status).toBe(200);
      expect(got.body.equals(Buffer.from(blob.bytes))).toBe(true);
    }
    // Blobs were asked of the manifest's upstream first: a and b never saw a blob request.
    for (const index of [A, B]) expect(asked(index, 'GET', 'deep/tool', BLOB_PATH) + asked(index, 'HEAD', 'deep/tool', BLOB_PATH)).toBe(0);
    expect(asked(C, 'GET', 'deep/tool', BLOB_PATH)).toBe(3);
    const byDigest = await pull('deep/tool', fromC.manifest.digest);
    expect(byDigest.headers.get('cache-status')).toBe('Berth; hit');
    // Upstream exchanges are counted per upstream: c's blob GETs under upstream="c" (its token requests too).
    const metrics = await (await fetch(`${berth.url}/metrics`)).text();
    expect(metrics).toMatch(/^berth_proxy_upstream_requests_total\{project="virt",upstream="c",kind="blob-get",status="200"\} [1-9]/m);
    expect(metrics).toMatch(/^berth_proxy_upstream_requests_total\{project="virt",upstream="c",kind="token",status="200"\} [1-9]/m);
  });

  it('makes one upstream GET for 16 clients of one cold blob found only on the second upstream', async () => {
    const image = await pushTo(B, 'crowd/app', 'v1', [512 * 1024]);
    expect((await pull('crowd/app', 'v1')).status).toBe(200);
    const layer = image.layers[0]!;
    const answers = await Promise.all(Array.from({ length: 16 }, () => call(berth.url, 'GET', `/v2/virt/crowd/app/blobs/${layer.digest}`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.equals(Buffer.from(layer.bytes))).toBe(true);
    }
    expect(asked(B, 'GET', 'crowd/app', BLOB_PATH)).toBe(1);
    expect(asked(A, 'GET', 'crowd/app', BLOB_PATH)).toBe(0);
  });

  it('never serves a stored blob to a repository none of whose upstreams has it', async () => {
    const secret = await pushTo(B, 'private/x', 'v1');
    await pushTo(A, 'public/y', 'v1');
    await pushTo(C, 'public/y', 'v1');
    const layer = secret.layers[0]!;
    expect((await call(berth.url, 'GET', `/v2/virt/private/x/blobs/${layer.digest}`)).status).toBe(200);
    // The bytes are in the store now, but public/y links no such blob and no upstream has it there.
    for (const method of ['GET', 'HEAD']) {
      const refused = await call(berth.url, method, `/v2/virt/public/y/blobs/${layer.digest}`);
      expect(refused.status).toBe(404);
    }
    for (const index of [A, B, C]) expect(asked(index, 'HEAD', 'public/y', BLOB_PATH)).toBeGreaterThanOrEqual(1);
  });
});

describe('response headers', () => {
  /** Every header a proxied manifest or blob answer may carry: Berth's own, none copied from an upstream. */
  const BERTH_HEADERS = new Set([
    'accept-ranges', 'cache-control', 'cache-status', 'connection', 'content-length', 'content-type', 'date', 'docker-content-digest',
    'docker-distribution-api-version', 'etag', 'keep-alive', 'oci-subject', 'x-request-id', 'vary',
  ]);

  it('sends only headers of its own, whatever the upstream sent', async () => {
    // An upstream (b, through a relay of this test's) that adds headers of its own to every answer.
    const leaky = createServer((req, res) => {
      const forward = httpRequest(`${url(B)}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: registries[B]!.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'set-cookie': 'session=upstream', 'x-upstream-secret': 'leak', 'access-control-allow-origin': '*' });
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => leaky.listen(0, '127.0.0.1', resolve));
    try {
      const leakyUrl = `http://127.0.0.1:${(leaky.address() as AddressInfo).port}`;
      await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'proxy', name: 'leaky', public: true, upstreams: [{ url: leakyUrl, name: 'leaky' }] } });
      const image = await pushTo(B, 'headers/app', 'v1');
      expect((await fetch(`${leakyUrl}/v2/headers/app/manifests/v1`, { headers: accept })).headers.get('x-upstream-secret')).toBe('leak');
      for (const path of ['/v2/leaky/headers/app/manifests/v1', `/v2/leaky/headers/app/blobs/${image.layers[0]!.digest}`]) {
        const answer = await call(berth.url, 'GET', path, { headers: accept });
        expect(answer.status).toBe(200);
        const names = [...answer.headers.keys()];
        expect(names.filter((name) => !BERTH_HEADERS.has(name))).toEqual([]);
      }
    } finally {
      await new Promise((resolve) => leaky.close(resolve));
    }
  });
});

describe('referrers', () => {
  it('merges the local list with each upstream list, deduplicated, in upstream order', async () => {
    const subject = await pushTo(A, 'signed/app', 'v1');
    // The same subject on b (same bytes, same digest).
    for (const blob of [subject.config, ...subject.layers]) await pushBlob(url(B), 'signed/app', blob);
    await pushManifest(url(B), 'signed/app', 'v1', subject.manifest);
    const signatureOnA = await pushCosignSignature(url(A), 'signed/app', subject.manifest);
    const signatureOnB = await pushCosignSignature(url(B), 'signed/app', subject.manifest); // the same signature
    expect(signatureOnB.digest).toBe(signatureOnA.digest);
    const notation = await pushArtifact(url(B), 'signed/app', subject.manifest, NOTATION_SIGNATURE);
    const tagSchema: ManifestDoc = ociIndex({ manifests: [manifestDescriptor(notation, { artifactType: NOTATION_SIGNATURE })] });
    await pushManifest(url(B), 'signed/app', subject.manifest.digest.replace(':', '-'), tagSchema);

    const answer = await readReferrers(berth.url, `/v2/virt/signed/app/referrers/${subject.manifest.digest}`);
    expect(answer.digests[0]).toBe(signatureOnA.digest);
    expect([...answer.digests].sort()).toEqual([signatureOnA.digest, notation.digest].sort());
  });
});

describe('reordering through the admin API', () => {
  it('changes which upstream serves a tag at the next check, keeps credentials write-only, and audits the change', async () => {
    const fromB = await pushTo(B, 'team/app', 'v2');
    const fromA = await pushTo(A, 'team/app', 'v2');
    expect((await pull('team/app', 'v2')).headers.get('docker-content-digest')).toBe(fromA.manifest.digest);

    const reordered = await api.expect<{ upstreams: Array<{ name: string; credentials: string }> }>(200, 'PATCH', '/projects/virt', {
      as: ADMIN,
      body: { upstreams: upstreamsBody([B, A, C]).map(({ username: _u, password: _p, ...rest }) => rest) },
    });
    expect(reordered.upstreams.map((u) => [u.name, u.credentials])).toEqual([['b', 'none'], ['a', 'none'], ['c', 'basic']]);
    const shown = await api.call('GET', '/projects/virt', { as: ADMIN });
    expect(JSON.stringify(shown.body)).not.toContain(USER.password);
    expect((shown.body as { upstreams: Array<{ credentials: string }> }).upstreams[2]?.credentials).toBe('basic');

    const after = await pull('team/app', 'v2');
    expect(after.headers.get('docker-content-digest')).toBe(fromB.manifest.digest);
    expect(after.headers.get('cache-status')).toBe('Berth; fwd=miss; stored; detail="upstream b"');
    // c's stored credentials still work after the reorder.
    expect((await pull('deep/tool', 'v3')).status).toBe(200);

    const audit = await api.expect<{ events: Array<{ action: string; target: string; after: unknown }> }>(200, 'GET', '/audit?project=virt&action=project.update', { as: ADMIN });
    expect(audit.events.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(audit.events)).not.toContain(USER.password);

    await api.expect(200, 'PATCH', '/projects/virt', { as: ADMIN, body: { upstreams: upstreamsBody([A, B, C]).map(({ username: _u, password: _p, ...rest }) => rest) } });
  });

  it('refuses to change the upstreams of a project declared in the configuration (409)', async () => {
    const refused = await api.call('PATCH', '/projects/fixed', { as: ADMIN, body: { upstreams: upstreamsBody([B, A]).map(({ username: _u, password: _p, ...rest }) => rest) } });
    expect(refused.status).toBe(409);
    const kept = await api.expect<{ managedBy: string; upstreams: Array<{ name: string }> }>(200, 'GET', '/projects/fixed', { as: ADMIN });
    expect(kept.managedBy).toBe('configuration');
    expect(kept.upstreams.map((u) => u.name)).toEqual(['a', 'b']);
  });

  it('refuses upstream and upstreams together, and a non-admin caller', async () => {
    const both = await api.call('PATCH', '/projects/virt', { as: ADMIN, body: { upstream: { url: relay(A).url }, upstreams: upstreamsBody([A]) } });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain('upstreams');
    expect((await api.call('PATCH', '/projects/virt', { body: { upstreams: upstreamsBody([B]) } })).status).toBe(401);
  });
});

describe('an upstream down', () => {
  it('serves the cached tag stale when its upstream is down, even though a lower upstream has another', async () => {
    const fromA = await pushTo(A, 'fail/over', 'v1');
    expect((await pull('fail/over', 'v1')).headers.get('docker-content-digest')).toBe(fromA.manifest.digest);
    const fromB = await pushTo(B, 'fail/over', 'v1');
    const coldOnB = await pushTo(B, 'fail/cold', 'v1');
    await relay(A).down();
    try {
      const stale = await pull('fail/over', 'v1');
      expect(stale.status).toBe(200);
      expect(stale.headers.get('docker-content-digest')).toBe(fromA.manifest.digest);
      expect(stale.headers.get('cache-status')).toMatch(/^Berth; hit; detail="stale: upstream a connection/);
      // A tag nobody cached fails over to the next upstream.
      const cold = await pull('fail/cold', 'v1');
      expect(cold.status).toBe(200);
      expect(cold.headers.get('docker-content-digest')).toBe(coldOnB.manifest.digest);
      expect(cold.headers.get('cache-status')).toBe('Berth; fwd=miss; stored; detail="upstream b"');
      expect(fromB.manifest.digest).not.toBe(fromA.manifest.digest);
    } finally {
      await relay(A).up();
    }
  });

  it('answers UNAVAILABLE naming the upstream when every upstream that could have it is down and nothing is cached', async () => {
    await relay(A).down();
    await relay(B).down();
    try {
      const answer = await pull('never/cached', 'v1');
      expectOciError(answer, 503, 'UNAVAILABLE');
      expect(answer.body.toString()).toContain('virt/a');
    } finally {
      await relay(A).up();
      await relay(B).up();
    }
  });
});

