import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { MEDIA, descriptor, ociManifest, randomBlob } from '../api/content.js';
import { expectOciError } from '../api/helpers.js';
import { createUser, setMember } from '../auth/accounts.js';
import { basicHeader, send, type Credentials, type HttpResult } from '../auth/registry-http.js';
import { dancePushImage, tokenFetch, type DancePushedImage } from '../auth/token-dance.js';
import { pushImage, type PushedImage } from '../upstream/push.js';
import { BLOB_PATH, startProxySetup, type ProxySetup } from './setup.js';

// A proxy project never serves, confirms or links a blob that another project stored: with
// authentication on, a private hosted project's layer cannot be read or probed through a public
// proxy project (GET, HEAD, Range, ?ns=, mount, a pushed manifest naming it), while blobs the
// proxy project's own upstream has are served from the store after one upstream HEAD.

const ADMIN: Credentials = { username: 'admin', password: 'isolation-admin-1' };
let setup: ProxySetup;
let secret: DancePushedImage;
let developer: Credentials;

beforeAll(async () => {
  setup = await startProxySetup(
    [
      { kind: 'hosted', name: 'private' },
      { kind: 'proxy', name: 'pub', public: true, pushPolicy: 'all', ns: ['pub.example'] },
    ],
    { auth: { admin: ADMIN } },
  );
  secret = await dancePushImage(setup.berth.url, 'private/app', 'v1', ADMIN);
  developer = await createUser(setup.berth.url, ADMIN, 'pub-dev');
  await setMember(setup.berth.url, ADMIN, 'pub', 'pub-dev', 'maintainer');
}, 120_000);

afterAll(async () => {
  await setup?.stop();
});

/** A request as an anonymous client, following the token dance as clients do. */
function anonymous(method: string, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return tokenFetch(setup.berth.url, method, path, { headers });
}

function asDeveloper(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<HttpResult> {
  return send(setup.berth.url, method, path, { ...init, headers: { ...init.headers, Authorization: basicHeader(developer) } });
}

const blobRequests = () => setup.relay.count('GET', BLOB_PATH) + setup.relay.count('HEAD', BLOB_PATH);

describe("another project's blob through a public proxy project", () => {
  it('the private blob is really stored, and private: anonymous reads in its own project are refused', async () => {
    const direct = await anonymous('GET', `/v2/private/app/blobs/${secret.layer.digest}`);
    expect([401, 403, 404]).toContain(direct.status);
    const owner = await tokenFetch(setup.berth.url, 'GET', `/v2/private/app/blobs/${secret.layer.digest}`, {}, ADMIN);
    expect(owner.status).toBe(200);
  });

  it.each<[string, string, Record<string, string>]>([
    // Each through a repository of its own: an upstream 404 is remembered per repository.
    ['GET', '/v2/pub/probe1/blobs/%s', {}],
    ['HEAD', '/v2/pub/probe2/blobs/%s', {}],
    ['GET', '/v2/pub/probe3/blobs/%s', { Range: 'bytes=0-15' }],
    ['GET', '/v2/probe4/blobs/%s?ns=pub.example', {}],
    ['HEAD', '/v2/library/probe5/blobs/%s?ns=pub.example', {}],
  ])('%s %s (%j) is BLOB_UNKNOWN after the upstream said no', async (method, template, headers) => {
    const before = blobRequests();
    const answer = await anonymous(method, template.replace('%s', secret.layer.digest), headers);
    expect(answer.status).toBe(404);
    if (method === 'GET') expectOciError(answer, 404, 'BLOB_UNKNOWN');
    expect(answer.headers.get('cache-status') ?? '').not.toMatch(/hit/);
    // The upstream was asked (it has no such blob); the store's copy was never the answer.
    expect(blobRequests()).toBeGreaterThan(before);
  });

  it('a mount from the private project is a plain upload start, and links nothing', async () => {
    const mount = await asDeveloper('POST', `/v2/pub/stolen/blobs/uploads/?mount=${secret.layer.digest}&from=private/app`, { headers: { 'Content-Length': '0' } });
    expect(mount.status).toBe(202);
    const read = await asDeveloper('GET', `/v2/pub/stolen/blobs/${secret.layer.digest}`);
    expectOciError(read, 404, 'BLOB_UNKNOWN');
  });

  it('a mount from a proxy repository that does not link the blob links nothing', async () => {
    const mount = await asDeveloper('POST', `/v2/pub/stolen2/blobs/uploads/?mount=${secret.layer.digest}&from=pub/probe1`, { headers: { 'Content-Length': '0' } });
    expect(mount.status).toBe(202);
    expect((await asDeveloper('HEAD', `/v2/pub/stolen2/blobs/${secret.layer.digest}`)).status).toBe(404);
  });

  it('a manifest pushed into the proxy project that names the private blob is refused', async () => {
    const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, secret.config), layers: [descriptor(MEDIA.ociLayer, secret.layer)] });
    const put = await asDeveloper('PUT', `/v2/pub/claimed/manifests/latest`, { headers: { 'Content-Type': manifest.mediaType }, body: manifest.bytes });
    expectOciError(put, 400, 'MANIFEST_BLOB_UNKNOWN');
    expectOciError(await anonymous('GET', `/v2/pub/claimed/blobs/${secret.layer.digest}`), 404, 'BLOB_UNKNOWN');
  });
});

describe("blobs the proxy project's upstream has", () => {
  let image: PushedImage;

  beforeAll(async () => {
    image = await pushImage(setup.upstream.url, 'shared/one', 'v1', [2048]);
    await pushImage(setup.upstream.url, 'shared/two', 'v1', [16]);
    // The same layer in a second upstream repository.
    const layer = image.layers[0];
    if (layer === undefined) throw new Error('no layer');
    const mount = await fetch(`${setup.upstream.url}/v2/shared/two/blobs/uploads/?mount=${layer.digest}&from=shared/one`, { method: 'POST' });
    expect(mount.status).toBe(201);
  });

  it('is fetched once, then served from the store to another repository after one upstream HEAD', async () => {
    const layer = image.layers[0]!;
    const first = await anonymous('GET', `/v2/pub/shared/one/blobs/${layer.digest}`);
    expect(first.status).toBe(200);
    expect(first.body.equals(layer.bytes)).toBe(true);
    // The fill publishes the verified blob just after its last byte: wait for that event.
    while ((await anonymous('HEAD', `/v2/pub/shared/one/blobs/${layer.digest}`)).headers.get('cache-status') !== 'Berth; hit') {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const gets = setup.relay.count('GET', BLOB_PATH);
    const heads = setup.relay.count('HEAD', BLOB_PATH);
    const other = await anonymous('GET', `/v2/pub/shared/two/blobs/${layer.digest}`);
    expect(other.status).toBe(200);
    expect(other.body.equals(layer.bytes)).toBe(true);
    expect(other.headers.get('cache-status')).toMatch(/revalidated/);
    expect(setup.relay.count('GET', BLOB_PATH)).toBe(gets);
    expect(setup.relay.count('HEAD', BLOB_PATH)).toBe(heads + 1);
    // Linked now: the next read asks nobody.
    const again = await anonymous('GET', `/v2/pub/shared/two/blobs/${layer.digest}`);
    expect(again.headers.get('cache-status')).toBe('Berth; hit');
    expect(setup.relay.count('HEAD', BLOB_PATH)).toBe(heads + 1);
  });

  it('a repository whose upstream lacks the blob does not get it from the store', async () => {
    const layer = image.layers[0]!;
    await pushImage(setup.upstream.url, 'shared/three', 'v1', [16]);
    expectOciError(await anonymous('GET', `/v2/pub/shared/three/blobs/${layer.digest}`), 404, 'BLOB_UNKNOWN');
  });
});

describe('a blob DELETE in a proxy project', () => {
  it('takes effect: the next HEAD and GET ask the upstream, which lacks it', async () => {
    const blob = randomBlob(300);
    const started = await asDeveloper('POST', `/v2/pub/pushed/blobs/uploads/?digest=${blob.digest}`, { headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
    expect(started.status).toBe(201);
    expect((await asDeveloper('HEAD', `/v2/pub/pushed/blobs/${blob.digest}`)).status).toBe(200);
    expect((await asDeveloper('DELETE', `/v2/pub/pushed/blobs/${blob.digest}`)).status).toBe(202);
    const heads = setup.relay.count('HEAD', BLOB_PATH);
    expect((await asDeveloper('HEAD', `/v2/pub/pushed/blobs/${blob.digest}`)).status).toBe(404);
    expect(setup.relay.count('HEAD', BLOB_PATH)).toBe(heads + 1);
    expectOciError(await asDeveloper('GET', `/v2/pub/pushed/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
  });
});
