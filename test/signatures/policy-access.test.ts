import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { basicHeader, expectError, send, type Credentials, type HttpResult } from '../auth/registry-http.js';
import { danceGetManifest, dancePushImage, tokenFetch } from '../auth/token-dance.js';
import { createUser, setMember } from '../auth/accounts.js';
import { MANIFEST_ACCEPT } from '../api/content.js';
import { dancePushCosignSignature, ecKey, enforce } from './signed-content.js';

// Who may learn what under a signature policy (authentication on): a policy never turns the 401
// and 404 of callers who may not pull into anything else; the policy is set and changed through the
// admin API (audited; 409 for a project the configuration owns); audit mode serves and records.

jest.setTimeout(120_000);

const ADMIN: Credentials = { username: 'admin', password: 'signature-tests-admin-1' };
const team = ecKey();
const other = ecKey();
let berth: BerthUnderTest;
/** Pull-only (guest) in every project: what a cluster's credentials should be. */
let cluster: Credentials;

beforeAll(async () => {
  berth = await startBerth({
    config: {
      auth: { admin: ADMIN },
      projects: [
        { kind: 'hosted', name: 'guarded', signaturePolicy: enforce(team) },
        { kind: 'hosted', name: 'unguarded' },
      ],
    },
  });
  cluster = await createUser(berth.url, ADMIN, 'cluster');
  await setMember(berth.url, ADMIN, 'guarded', cluster.username, 'guest');
});

afterAll(async () => {
  await berth?.stop();
});

function admin(method: string, path: string, body?: unknown): Promise<HttpResult> {
  return send(berth.url, method, `/api/v1${path}`, {
    headers: { Authorization: basicHeader(ADMIN), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

const asCluster = (repo: string, reference: string) => danceGetManifest(berth.url, repo, reference, cluster);

describe('a policy does not change who learns that an image exists', () => {
  it('anonymous callers get the same 401 for an unsigned image, a signed one and a missing one', async () => {
    const unsigned = await dancePushImage(berth.url, 'guarded/app', 'unsigned', ADMIN);
    const signed = await dancePushImage(berth.url, 'guarded/app', 'signed', ADMIN);
    await dancePushCosignSignature(berth.url, 'guarded/app', team, signed.manifest.digest, ADMIN);
    expectError(await asCluster('guarded/app', 'unsigned'), 403, 'DENIED');
    expect((await asCluster('guarded/app', 'signed')).status).toBe(200);
    const answers = new Set<string>();
    for (const reference of ['unsigned', 'signed', 'missing', unsigned.manifest.digest]) {
      const plain = await send(berth.url, 'GET', `/v2/guarded/app/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
      expectError(plain, 401, 'UNAUTHORIZED');
      const danced = await tokenFetch(berth.url, 'GET', `/v2/guarded/app/manifests/${reference}`);
      expectError(danced, 401, 'UNAUTHORIZED');
      answers.add(`${plain.text()} ${danced.text()}`);
    }
    expect(answers.size).toBe(1);
  });

  it('a member of another project gets the same answer for an unsigned image as for a missing one, never the policy message', async () => {
    const outsider = await createUser(berth.url, ADMIN, 'outsider');
    await setMember(berth.url, ADMIN, 'unguarded', outsider.username, 'developer');
    const basic = { Authorization: basicHeader(outsider), Accept: MANIFEST_ACCEPT };
    const unsigned = await send(berth.url, 'GET', '/v2/guarded/app/manifests/unsigned', { headers: basic });
    const missing = await send(berth.url, 'GET', '/v2/guarded/app/manifests/missing', { headers: basic });
    expect(unsigned.status).toBe(missing.status);
    expect([401, 403, 404]).toContain(unsigned.status);
    expect(unsigned.text()).not.toContain('signature');
    expect(unsigned.text().replaceAll('unsigned', '<ref>')).toBe(missing.text().replaceAll('missing', '<ref>'));
  });
});

describe('who the policy applies to', () => {
  it('serves an unsigned image to a caller who may push there (to sign it), by token and by Basic, and refuses it to one who may only pull', async () => {
    const image = await dancePushImage(berth.url, 'guarded/publish', 'v1', ADMIN);
    expect((await danceGetManifest(berth.url, 'guarded/publish', 'v1', ADMIN)).status).toBe(200);
    const basic = await send(berth.url, 'GET', `/v2/guarded/publish/manifests/${image.manifest.digest}`, { headers: { Authorization: basicHeader(ADMIN), Accept: MANIFEST_ACCEPT } });
    expect(basic.status).toBe(200);
    expectError(await asCluster('guarded/publish', 'v1'), 403, 'DENIED');
    const clusterBasic = await send(berth.url, 'GET', '/v2/guarded/publish/manifests/v1', { headers: { Authorization: basicHeader(cluster), Accept: MANIFEST_ACCEPT } });
    expectError(clusterBasic, 403, 'DENIED');
  });
});

describe('the policy through the admin API', () => {
  it('refuses changes to a project the configuration owns (409), and shows its policy', async () => {
    const shown = await admin('GET', '/projects/guarded');
    expect(shown.status).toBe(200);
    expect(shown.json<{ signaturePolicy?: { mode: string } }>().signaturePolicy?.mode).toBe('enforce');
    expect((await admin('PATCH', '/projects/guarded', { signaturePolicy: { mode: 'off' } })).status).toBe(409);
  });

  it('creates and changes a policy (audited), naming a key that does not parse', async () => {
    const bad = await admin('POST', '/projects', { kind: 'hosted', name: 'apiset', signaturePolicy: { mode: 'enforce', cosign: { keys: [{ name: 'k', publicKey: 'nope' }] } } });
    expect(bad.status).toBe(400);
    expect(bad.text()).toContain('signaturePolicy.cosign.keys');
    expect((await admin('POST', '/projects', { kind: 'hosted', name: 'apiset', signaturePolicy: enforce(team) })).status).toBe(201);
    await setMember(berth.url, ADMIN, 'apiset', cluster.username, 'guest');
    const image = await dancePushImage(berth.url, 'apiset/app', 'v1', ADMIN);
    await dancePushCosignSignature(berth.url, 'apiset/app', team, image.manifest.digest, ADMIN);
    expect((await asCluster('apiset/app', 'v1')).status).toBe(200);
    // The trusted key changes: the cached verdict is not reused (the policy version keys it).
    expect((await admin('PATCH', '/projects/apiset', { signaturePolicy: enforce(other) })).status).toBe(200);
    expectError(await asCluster('apiset/app', 'v1'), 403, 'DENIED');
    const events = await admin('GET', '/audit?action=project.update&project=apiset');
    const [event] = events.json<{ events: Array<{ before: { signaturePolicy: { cosign: { keys: Array<{ publicKey: string }> } } }; after: { signaturePolicy: { cosign: { keys: Array<{ publicKey: string }> } } } }> }>().events;
    expect(event?.before.signaturePolicy.cosign.keys[0]?.publicKey).toBe(team.publicPem);
    expect(event?.after.signaturePolicy.cosign.keys[0]?.publicKey).toBe(other.publicPem);
  });

  it('lets only the project admin role (or a system administrator) change the policy: a maintainer cannot switch it off', async () => {
    expect((await admin('POST', '/projects', { kind: 'hosted', name: 'rolecheck', signaturePolicy: enforce(team) })).status).toBe(201);
    const maintainer = await createUser(berth.url, ADMIN, 'rolecheck-maintainer');
    const owner = await createUser(berth.url, ADMIN, 'rolecheck-owner');
    await setMember(berth.url, ADMIN, 'rolecheck', maintainer.username, 'maintainer');
    await setMember(berth.url, ADMIN, 'rolecheck', owner.username, 'admin');
    const patchAs = (who: Credentials, body: unknown) =>
      send(berth.url, 'PATCH', '/api/v1/projects/rolecheck', { headers: { Authorization: basicHeader(who), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expectError(await patchAs(maintainer, { signaturePolicy: { mode: 'off' } }), 403, 'DENIED');
    expectError(await patchAs(maintainer, { signaturePolicy: enforce(other) }), 403, 'DENIED');
    // The maintainer keeps the other settings; the policy stays as it was.
    expect((await patchAs(maintainer, { public: false })).status).toBe(200);
    expect((await admin('GET', '/projects/rolecheck')).json<{ signaturePolicy?: { mode: string; cosign: { keys: Array<{ publicKey: string }> } } }>().signaturePolicy).toMatchObject({
      mode: 'enforce',
      cosign: { keys: [{ publicKey: team.publicPem }] },
    });
    expect((await patchAs(owner, { signaturePolicy: { mode: 'audit', cosign: enforce(team).cosign } })).status).toBe(200);
    expect((await admin('GET', '/projects/rolecheck')).json<{ signaturePolicy?: { mode: string } }>().signaturePolicy?.mode).toBe('audit');
  });

  it('audit mode serves an unsigned image and lists it, with the reason, in signature-verdicts', async () => {
    expect((await admin('POST', '/projects', { kind: 'hosted', name: 'watched', signaturePolicy: { ...enforce(team), mode: 'audit' } })).status).toBe(201);
    await setMember(berth.url, ADMIN, 'watched', cluster.username, 'guest');
    const image = await dancePushImage(berth.url, 'watched/app', 'v1', ADMIN);
    expect((await asCluster('watched/app', 'v1')).status).toBe(200);
    const listed = await admin('GET', '/projects/watched/signature-verdicts');
    expect(listed.status).toBe(200);
    expect(listed.json<{ failures: unknown[] }>().failures).toEqual([
      expect.objectContaining({ repository: 'watched/app', digest: image.manifest.digest, mode: 'audit', reasons: [] }),
    ]);
    const metrics = await send(berth.url, 'GET', '/metrics');
    expect(metrics.text()).toMatch(/berth_signature_verdicts_total\{project="watched",mode="audit",result="failed"\} [1-9]/);
  });
});
