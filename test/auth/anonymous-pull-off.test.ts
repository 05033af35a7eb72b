import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { pushImage } from '../api/helpers.js';
import { AUTH_ADMIN } from '../api/bearer.js';
import { basicHeader, expectError, send } from './registry-http.js';
import { accessOf, getToken } from './token-requests.js';

// auth.anonymousPull: false — a public project still needs an account; any account may pull it.

// pushImage carries the administrator's tokens (test/api/bearer.ts).
process.env.BERTH_API_TARGET = 'berth-auth';

let berth: BerthUnderTest;
let digest: string;

beforeAll(async () => {
  berth = await startBerth({
    config: { auth: { admin: AUTH_ADMIN, anonymousPull: false }, projects: [{ kind: 'hosted', name: 'open', public: true }] },
  });
  digest = (await pushImage(berth.url, 'open/app')).manifest.digest;
});

afterAll(async () => {
  await berth?.stop();
});

describe('with anonymous pull off', () => {
  it('an anonymous token for a public repository grants nothing', async () => {
    expect(accessOf(await getToken(berth.url, [['scope', 'repository:open/app:pull']]))).toEqual([{ type: 'repository', name: 'open/app', actions: [] }]);
  });

  it('an anonymous pull of a public repository is 401', async () => {
    expectError(await send(berth.url, 'GET', `/v2/open/app/manifests/${digest}`), 401, 'UNAUTHORIZED');
  });

  it('an account that is no member still pulls the public repository', async () => {
    const user = { username: 'reader', password: 'reader-password-1' };
    const created = await send(berth.url, 'POST', '/api/v1/users', {
      headers: { Authorization: basicHeader(AUTH_ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: user.username, password: user.password }),
    });
    expect(created.status).toBe(201);
    const pulled = await send(berth.url, 'GET', `/v2/open/app/manifests/${digest}`, { headers: { Authorization: basicHeader(user), Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(pulled.status).toBe(200);
  });
});
