import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { MEDIA } from '../api/content.js';
import { createUser, setMember } from './accounts.js';
import { basicHeader, describeResult, expectError, parseBearerChallenge, send, type Credentials } from './registry-http.js';
import { dancePushImage, tokenFetch, type DancePushedImage } from './token-dance.js';

// /v2 for users who are not system administrators (made through the admin API), with Basic
// credentials and with the token dance: refusals that do not reveal whether a private repository
// exists, role limits, and mounts from repositories the user may not read.

const ADMIN: Credentials = { username: 'admin', password: 'v2-users-admin-1' };

let berth: BerthUnderTest;
let privateImage: DancePushedImage;

beforeAll(async () => {
  berth = await startBerth({
    config: {
      auth: { admin: ADMIN },
      projects: [
        { kind: 'hosted', name: 'private' },
        { kind: 'hosted', name: 'other' },
      ],
    },
  });
  privateImage = await dancePushImage(berth.url, 'private/app', 'v1', ADMIN);
});

afterAll(async () => {
  await berth?.stop();
});

describe('users on /v2', () => {
  let outsider: Credentials;
  let developer: Credentials;

  beforeAll(async () => {
    outsider = await createUser(berth.url, ADMIN, 'access-outsider');
    developer = await createUser(berth.url, ADMIN, 'access-dev');
    // A developer of `other` only: push there, nothing on `private`.
    await setMember(berth.url, ADMIN, 'other', 'access-dev', 'developer');
  });

  const basicGet = (credentials: Credentials, path: string) => send(berth.url, 'GET', path, { headers: { Authorization: basicHeader(credentials) } });

  it('a non-member gets the same 403 DENIED for an existing private repository, a missing one and a missing project', async () => {
    for (const suffix of ['manifests/v1', 'tags/list', `blobs/${privateImage.layer.digest}`]) {
      const bodies = new Set<string>();
      for (const repository of ['private/app', 'private/missing', 'ghost/app']) {
        const result = await basicGet(outsider, `/v2/${repository}/${suffix}`);
        expectError(result, 403, 'DENIED');
        bodies.add(result.text().replaceAll(repository, '<name>'));
      }
      expect([suffix, bodies.size]).toEqual([suffix, 1]);
    }
  });

  it('a non-member doing the token dance gets 401 insufficient_scope whether the repository exists or not', async () => {
    for (const repository of ['private/app', 'private/missing']) {
      const result = await tokenFetch(berth.url, 'GET', `/v2/${repository}/manifests/v1`, {}, outsider);
      expectError(result, 401, 'UNAUTHORIZED');
      expect(parseBearerChallenge(result.headers.get('www-authenticate'))).toEqual(expect.objectContaining({ error: 'insufficient_scope', scope: `repository:${repository}:pull` }));
    }
  });

  it('a developer may push but not delete, and may not list the catalog', async () => {
    await dancePushImage(berth.url, 'other/dev', 'v1', developer);
    const manifest = await send(berth.url, 'GET', '/v2/other/dev/manifests/v1', { headers: { Authorization: basicHeader(developer), Accept: MEDIA.ociManifest } });
    expect(manifest.status).toBe(200);
    expectError(await send(berth.url, 'DELETE', '/v2/other/dev/manifests/v1', { headers: { Authorization: basicHeader(developer) } }), 403, 'DENIED');
    expectError(await basicGet(developer, '/v2/_catalog'), 403, 'DENIED');
  });

  it('a mount from a repository the developer may not read starts a plain upload (202)', async () => {
    const path = `/v2/other/dev-mount/blobs/uploads/?mount=${privateImage.layer.digest}&from=private/app`;
    const result = await send(berth.url, 'POST', path, { headers: { Authorization: basicHeader(developer), 'Content-Length': '0' } });
    expect(result.status).toBe(202);
    const head = await send(berth.url, 'HEAD', `/v2/other/dev-mount/blobs/${privateImage.layer.digest}`, { headers: { Authorization: basicHeader(developer) } });
    expect(head.status).toBe(404);
  });

  it('the same mount works (201) once the developer may pull the source', async () => {
    await setMember(berth.url, ADMIN, 'private', 'access-dev', 'guest');
    const path = `/v2/other/dev-mount2/blobs/uploads/?mount=${privateImage.layer.digest}&from=private/app`;
    // Memberships are read at each login, so the new role counts at once.
    const result = await send(berth.url, 'POST', path, { headers: { Authorization: basicHeader(developer), 'Content-Length': '0' } });
    if (result.status !== 201) throw new Error(`mount: ${describeResult(result)}`);
  });
});
