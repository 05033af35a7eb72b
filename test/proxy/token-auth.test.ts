import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { call, expectOciError } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startTokenIssuer, type TokenIssuer } from '../harness/token-issuer.js';
import { pushImage, pushToken, type PushedImage } from '../upstream/push.js';

// A proxy project whose upstream requires bearer tokens from a token service that wants the
// project's credentials; a project without credentials is refused upstream and says so.

const USER = { name: 'puller', password: 'pw-7f3a9c' };
let issuer: TokenIssuer;
let upstream: DockerRegistryUnderTest;
let berth: BerthUnderTest;
let image: PushedImage;

beforeAll(async () => {
  issuer = await startTokenIssuer({ service: 'token-upstream', issuer: 'berth-test', users: { [USER.name]: USER.password } });
  upstream = await startDockerRegistry({
    auth: { token: { realm: issuer.url, service: issuer.service, issuer: issuer.issuer, rootCertBundle: issuer.rootCertBundle } },
  });
  image = await pushImage(upstream.url, 'team/app', 'v1', [5000], await pushToken(issuer, 'team/app', USER));
  const tokenRealmHosts = [issuer.host];
  berth = await startBerth({
    config: {
      projects: [
        { name: 'private', kind: 'proxy', upstream: { url: upstream.url, username: USER.name, password: USER.password, tokenRealmHosts } },
        { name: 'anon', kind: 'proxy', upstream: { url: upstream.url, tokenRealmHosts } },
        { name: 'unpinned', kind: 'proxy', upstream: { url: upstream.url, username: USER.name, password: USER.password } },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await upstream?.stop();
  await issuer?.stop();
});

describe('token-authenticated upstream', () => {
  it("pulls with the project's credentials and reuses the token", async () => {
    const manifest = await call(berth.url, 'GET', '/v2/private/team/app/manifests/v1', { headers: { accept: MANIFEST_ACCEPT } });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    const layer = image.layers[0];
    const blob = await call(berth.url, 'GET', `/v2/private/team/app/blobs/${layer?.digest ?? ''}`);
    expect(blob.body.equals(layer?.bytes ?? Buffer.alloc(0))).toBe(true);
    const mine = issuer.log().filter((request) => request.user === USER.name && request.scopes.every((scope) => scope.endsWith(':pull')));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.scopes).toEqual(['repository:team/app:pull']);
  });

  it('refuses a project without credentials with DENIED, not a login prompt', async () => {
    const refused = await call(berth.url, 'GET', '/v2/anon/team/app/manifests/v1', { headers: { accept: MANIFEST_ACCEPT } });
    expectOciError(refused, 403, 'DENIED');
    expect(refused.headers.get('www-authenticate')).toBeNull();
  });

  it('never sends the credentials to a token realm on a host nobody allowed', async () => {
    const before = issuer.log().length;
    const refused = await call(berth.url, 'GET', '/v2/unpinned/team/app/manifests/v1', { headers: { accept: MANIFEST_ACCEPT } });
    expectOciError(refused, 403, 'DENIED');
    expect(issuer.log().length).toBe(before);
  });
});
