import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { createRobot, createUser, setMember } from '../auth/accounts.js';
import { ManualClock } from '../auth/manual-clock.js';
import { tamperPayload } from '../auth/minted-tokens.js';
import { basicHeader, send, type Credentials, type HttpResult } from '../auth/registry-http.js';
import { pushImage, pushManifest, type PushedImage } from '../upstream/push.js';

// A hosted manifest GET is answered from process memory once read (HostedManifestMemory). These are
// the ways the memory could serve what the database no longer says, or serve it to the wrong
// caller: every push or delete, through /v2 or the admin API, is seen by the very next GET, and the
// /v2 guard still decides every request whatever is remembered.

const ADMIN: Credentials = { username: 'admin', password: 'memory-tests-admin-1' };
/** Authentication's clock (token expiry), moved by the test only. */
const clock = new ManualClock();
let berth: BerthUnderTest;

beforeAll(async () => {
  berth = await startBerth({
    config: {
      auth: { admin: ADMIN },
      projects: [{ name: 'priv', kind: 'hosted' }, { name: 'other', kind: 'hosted' }],
    },
    authClock: clock.now,
  });
});

afterAll(async () => {
  await berth?.stop();
});

async function token(credentials: Credentials, scope: string): Promise<string> {
  const answer = await send(berth.url, 'GET', `/token?scope=${encodeURIComponent(scope)}`, { headers: { Authorization: basicHeader(credentials) } });
  if (answer.status !== 200) throw new Error(`token for ${scope}: ${answer.status} ${answer.text()}`);
  return answer.json<{ token: string }>().token;
}

/** The administrator's push token for a repository. */
const pushToken = (repository: string) => token(ADMIN, `repository:${repository}:pull,push,delete`);

function get(repository: string, reference: string, authorization?: string): Promise<HttpResult> {
  return send(berth.url, 'GET', `/v2/${repository}/manifests/${reference}`, {
    headers: { Accept: MANIFEST_ACCEPT, ...(authorization !== undefined ? { Authorization: authorization } : {}) },
  });
}

/** Two GETs as the administrator (the first remembers, the second is answered from memory); the digest served. */
async function pulledTwice(repository: string, reference: string): Promise<string | null> {
  const authorization = basicHeader(ADMIN);
  const first = await get(repository, reference, authorization);
  const second = await get(repository, reference, authorization);
  expect(second.status).toBe(first.status);
  expect(second.headers.get('docker-content-digest')).toBe(first.headers.get('docker-content-digest'));
  return first.status === 200 ? first.headers.get('docker-content-digest') : null;
}

const adminApi = (method: string, path: string) => send(berth.url, method, `/api/v1${path}`, { headers: { Authorization: basicHeader(ADMIN) } });

describe('hosted manifests remembered in memory', () => {
  it('see a tag moved, deleted and re-pushed through /v2 on the next GET, by tag and by digest', async () => {
    const repo = 'priv/moves';
    const auth = await pushToken(repo);
    const first: PushedImage = await pushImage(berth.url, repo, 'latest', [300], auth);
    expect(await pulledTwice(repo, 'latest')).toBe(first.manifest.digest);
    expect(await pulledTwice(repo, first.manifest.digest)).toBe(first.manifest.digest);

    const second = await pushImage(berth.url, repo, 'latest', [301], auth);
    expect(await pulledTwice(repo, 'latest')).toBe(second.manifest.digest);

    const untag = await send(berth.url, 'DELETE', `/v2/${repo}/manifests/latest`, { headers: { Authorization: `Bearer ${auth}` } });
    expect(untag.status).toBe(202);
    expect((await get(repo, 'latest', basicHeader(ADMIN))).status).toBe(404);

    await pushManifest(berth.url, repo, 'latest', first.manifest, auth);
    expect(await pulledTwice(repo, 'latest')).toBe(first.manifest.digest);
    const remove = await send(berth.url, 'DELETE', `/v2/${repo}/manifests/${first.manifest.digest}`, { headers: { Authorization: `Bearer ${auth}` } });
    expect(remove.status).toBe(202);
    expect((await get(repo, 'latest', basicHeader(ADMIN))).status).toBe(404);
    expect((await get(repo, first.manifest.digest, basicHeader(ADMIN))).status).toBe(404);
  });

  it('see a tag and a repository deleted through the admin API on the next GET', async () => {
    const repo = 'priv/admin-deletes';
    const image = await pushImage(berth.url, repo, 'v1', [302], await pushToken(repo));
    expect(await pulledTwice(repo, 'v1')).toBe(image.manifest.digest);
    expect((await adminApi('DELETE', '/projects/priv/repositories/admin-deletes/tags/v1')).status).toBe(204);
    expect((await get(repo, 'v1', basicHeader(ADMIN))).status).toBe(404);

    await pushManifest(berth.url, repo, 'v1', image.manifest, await pushToken(repo));
    expect(await pulledTwice(repo, 'v1')).toBe(image.manifest.digest);
    expect(await pulledTwice(repo, image.manifest.digest)).toBe(image.manifest.digest);
    expect((await adminApi('DELETE', '/projects/priv/repositories/admin-deletes')).status).toBe(204);
    expect((await get(repo, 'v1', basicHeader(ADMIN))).status).toBe(404);
    expect((await get(repo, image.manifest.digest, basicHeader(ADMIN))).status).toBe(404);
  });

  it('still refuse a remembered manifest to callers who may not pull it', async () => {
    const repo = 'priv/secret';
    const image = await pushImage(berth.url, repo, 'latest', [303], await pushToken(repo));
    expect(await pulledTwice(repo, 'latest')).toBe(image.manifest.digest);
    expect(await pulledTwice(repo, image.manifest.digest)).toBe(image.manifest.digest);

    const outsider = await createUser(berth.url, ADMIN, 'outsider');
    const guestOfOther = await createUser(berth.url, ADMIN, 'other-guest');
    await setMember(berth.url, ADMIN, 'other', guestOfOther.username, 'guest');
    const robotOfOther = await createRobot(berth.url, ADMIN, 'other', 'reader', { permissions: ['pull'] });
    // A real token of another project's robot, verified once by a request (so remembered), then its
    // claim rewritten to name this repository: the signature no longer matches.
    const genuine = await token(robotOfOther, 'repository:other/app:pull');
    expect((await get('other/app', 'latest', `Bearer ${genuine}`)).status).toBe(404);
    const forged = tamperPayload(genuine, (claims) => {
      claims.access = [{ type: 'repository', name: repo, actions: ['pull'] }];
    });
    for (const reference of ['latest', image.manifest.digest]) {
      expect((await get(repo, reference)).status).toBe(401);
      expect((await get(repo, reference, basicHeader(outsider))).status).toBe(403);
      expect((await get(repo, reference, basicHeader(guestOfOther))).status).toBe(403);
      expect((await get(repo, reference, basicHeader(robotOfOther))).status).toBe(403);
      expect((await get(repo, reference, `Bearer ${await token(robotOfOther, `repository:${repo}:pull`)}`)).status).toBe(401);
      expect((await get(repo, reference, `Bearer ${forged}`)).status).toBe(401);
    }
    // The same reference in another project's repository of the same path is not the remembered one.
    expect((await get('other/secret', 'latest', basicHeader(ADMIN))).status).toBe(404);
  });

  it('refuse a bearer token once it expired, though it was verified before and the manifest is remembered', async () => {
    const repo = 'priv/expiring';
    const image = await pushImage(berth.url, repo, 'latest', [304], await pushToken(repo));
    const reader = await createUser(berth.url, ADMIN, 'reader');
    await setMember(berth.url, ADMIN, 'priv', reader.username, 'guest');
    const bearer = `Bearer ${await token(reader, `repository:${repo}:pull`)}`;
    for (const reference of ['latest', image.manifest.digest]) {
      expect((await get(repo, reference, bearer)).status).toBe(200);
      expect((await get(repo, reference, bearer)).status).toBe(200);
    }
    clock.advance(300 + 5 + 1); // the default token lifetime and the clock tolerance
    for (const reference of ['latest', image.manifest.digest]) expect((await get(repo, reference, bearer)).status).toBe(401);
    expect((await get(repo, 'latest', `Bearer ${await token(reader, `repository:${repo}:pull`)}`)).status).toBe(200);
  });
});
