import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_ADMIN, bearerFor } from '../api/bearer.js';
import type { ManifestDoc } from '../api/content.js';
import { createSigningKeyFile, mintToken, otherSigningKey, type TestSigningKey } from '../auth/minted-tokens.js';
import { danceGetManifest, dancePushImage } from '../auth/token-dance.js';
import { COSIGN_SIG_ARTIFACT, NOTATION_SIGNATURE, pushArtifact, pushCosignSignature } from '../proxy/referrers-fixtures.js';
import { MANIFEST_PATH, pushUpstreamImage, startProxySetup, type ProxySetup } from '../proxy/setup.js';
import { pushImage } from '../upstream/push.js';
import { AdminApi, errorOf, type Account } from './api.js';

// The members' browsing API: a project's repositories, a repository's tags, one artifact with its
// referrers tree (local and upstream marked), and deleting tags and repositories; with the
// attacker's requests (anonymous, another project's member, a guest deleting, forged and expired tokens).

const ADMIN: Account = { name: AUTH_ADMIN.username, password: AUTH_ADMIN.password };
const SERVICE = 'berth-browse-tests';
const ISSUER = 'berth-browse-issuer';
const REPO = 'library%2Fapp';

let setup: ProxySetup;
let api: AdminApi;
let work: string;
let key: TestSigningKey;
let image: ManifestDoc;
let localSignature: ManifestDoc;
let cosignSignature: ManifestDoc;
let signatureOfSignature: ManifestDoc;
const users: Record<'guest' | 'maintainer' | 'outsider', Account> = {} as never;
const credentials = { username: ADMIN.name, password: ADMIN.password };

interface Repo { name: string; path: string; tagCount: number; sizeBytes: number; lastPushedAt: string | null; lastCachedAt: string | null; lastPulledAt: string | null }
interface Tag { name: string; digest: string; kind: string; platforms: string[]; source: string; sizeBytes: number }
interface Node { digest: string; origin: string; artifactType?: string; referrers: Node[] }
interface Artifact { digest: string; kind: string; layers: unknown[]; tags: string[]; source: string; referrers: Node[]; upstreamReferrers: string }

async function createUser(_api: AdminApi, name: string): Promise<Account> {
  const account = { name, password: `${name}-password-1` };
  await api.expect(201, 'POST', '/users', { as: ADMIN, body: { name, password: account.password } });
  return account;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-browse-'));
  key = await createSigningKeyFile(work);
  setup = await startProxySetup(
    [{ kind: 'hosted', name: 'apps' }],
    { auth: { service: SERVICE, issuer: ISSUER, signingKeyFile: key.file, admin: { password: ADMIN.password } } },
  );
  api = new AdminApi(setup.berth.url);
  // Owned by the admin API (a project declared in configuration refuses the referrersProxy switch).
  await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'proxy', name: 'hub', upstream: { url: setup.relay.url } } });
  // Upstream: an image with a cosign-style signature, and a two-platform index.
  image = (await pushImage(setup.upstream.url, 'library/app', 'v1', [300])).manifest;
  cosignSignature = await pushCosignSignature(setup.upstream.url, 'library/app', image);
  await pushUpstreamImage(setup, work, 'multi', { tag: 'v2', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
  // Berth: pulled through (cached), a signature pushed to Berth, and a hosted repository.
  expect((await danceGetManifest(setup.berth.url, 'hub/library/app', 'v1', credentials)).status).toBe(200);
  expect((await danceGetManifest(setup.berth.url, 'hub/library/multi', 'v2', credentials)).status).toBe(200);
  const token = (await bearerFor(setup.berth.url, ['repository:hub/library/app:pull,push']))!;
  localSignature = await pushArtifact(setup.berth.url, 'hub/library/app', image, NOTATION_SIGNATURE, token);
  signatureOfSignature = await pushArtifact(setup.berth.url, 'hub/library/app', localSignature, NOTATION_SIGNATURE, token);
  await dancePushImage(setup.berth.url, 'apps/web', '1.0', credentials);
  await dancePushImage(setup.berth.url, 'apps/web', '1.1', credentials);
  await dancePushImage(setup.berth.url, 'apps/tools/cli', 'latest', credentials);
  users.guest = await createUser(api, 'guest');
  users.maintainer = await createUser(api, 'keeper');
  users.outsider = await createUser(api, 'outsider');
  for (const project of ['hub', 'apps']) {
    await api.expect(200, 'PUT', `/projects/${project}/members/guest`, { as: ADMIN, body: { role: 'guest' } });
    await api.expect(200, 'PUT', `/projects/${project}/members/keeper`, { as: ADMIN, body: { role: 'maintainer' } });
  }
  await api.expect(201, 'POST', '/projects', { as: ADMIN, body: { kind: 'hosted', name: 'elsewhere' } });
  await api.expect(200, 'PUT', '/projects/elsewhere/members/outsider', { as: ADMIN, body: { role: 'admin' } });
}, 180_000);

afterAll(async () => {
  await setup?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('listing', () => {
  it("lists a proxy project's repositories with tag count, size and times", async () => {
    const { repositories, next } = await api.expect<{ repositories: Repo[]; next: string | null }>(200, 'GET', '/projects/hub/repositories', { as: users.guest });
    expect(repositories.map((r) => r.name)).toEqual(['hub/library/app', 'hub/library/multi']);
    expect(next).toBeNull();
    const app = repositories[0]!;
    expect(app.path).toBe('library/app');
    expect(app.tagCount).toBe(1);
    // What Berth stores: the pushed signature's blobs, not the image layer nobody pulled yet.
    expect(app.sizeBytes).toBeGreaterThan(0);
    expect(app.sizeBytes).toBeLessThan(300);
    expect(app.lastCachedAt).not.toBeNull();
    expect(app.lastPushedAt).not.toBeNull(); // the signature pushed to Berth
  });

  it('filters by name and pages with limit and last', async () => {
    const filtered = await api.expect<{ repositories: Repo[] }>(200, 'GET', '/projects/apps/repositories?q=tools', { as: users.guest });
    expect(filtered.repositories.map((r) => r.name)).toEqual(['apps/tools/cli']);
    const first = await api.expect<{ repositories: Repo[]; next: string | null }>(200, 'GET', '/projects/apps/repositories?limit=1', { as: users.guest });
    expect(first.repositories.map((r) => r.name)).toEqual(['apps/tools/cli']);
    expect(first.next).toBe('tools/cli');
    const second = await api.expect<{ repositories: Repo[]; next: string | null }>(200, 'GET', `/projects/apps/repositories?limit=1&last=${first.next}`, { as: users.guest });
    expect(second.repositories.map((r) => r.name)).toEqual(['apps/web']);
    expect(second.next).toBeNull();
    expect(second.repositories[0]!.sizeBytes).toBeGreaterThan(2 * 512); // two pushed images' blobs
    const bad = await api.call('GET', '/projects/apps/repositories?limit=0', { as: users.guest });
    expect(bad.status).toBe(400);
  });

  it('lists tags with digest, kind, platforms, size and whether they were pushed or cached', async () => {
    const multi = await api.expect<{ tags: Tag[] }>(200, 'GET', '/projects/hub/repositories/library%2Fmulti/tags', { as: users.guest });
    expect(multi.tags).toHaveLength(1);
    expect(multi.tags[0]).toMatchObject({ name: 'v2', kind: 'index', platforms: ['linux/amd64', 'linux/arm64'], source: 'cached' });
    const web = await api.expect<{ tags: Tag[] }>(200, 'GET', '/projects/apps/repositories/web/tags', { as: users.guest });
    expect(web.tags.map((t) => [t.name, t.source, t.kind])).toEqual([['1.0', 'pushed', 'image'], ['1.1', 'pushed', 'image']]);
    expect(web.tags[0]!.sizeBytes).toBeGreaterThan(512);
    expect((await api.call('GET', '/projects/apps/repositories/nothing/tags', { as: users.guest })).status).toBe(404);
  });
});

describe('the artifact and its referrers', () => {
  it('shows layers and the local referrers only while referrersProxy is off, then the merged list with origins', async () => {
    const off = await api.expect<Artifact>(200, 'GET', `/projects/hub/repositories/${REPO}/artifacts/v1`, { as: users.guest });
    expect(off).toMatchObject({ digest: image.digest, kind: 'image', tags: ['v1'], source: 'cached', upstreamReferrers: 'off' });
    expect(off.layers).toHaveLength(1);
    expect(off.referrers.map((r) => [r.digest, r.origin])).toEqual([[localSignature.digest, 'local']]);
    // The tree: the signature's own signature under it.
    expect(off.referrers[0]!.referrers.map((r) => [r.digest, r.origin, r.referrers])).toEqual([[signatureOfSignature.digest, 'local', []]]);

    await api.expect(200, 'PATCH', '/projects/hub', { as: users.maintainer, body: { referrersProxy: true } });
    const on = await api.expect<Artifact>(200, 'GET', `/projects/hub/repositories/${REPO}/artifacts/${image.digest}`, { as: users.guest });
    expect(on.upstreamReferrers).not.toBe('off');
    expect(on.referrers.map((r) => [r.digest, r.origin])).toEqual([
      [localSignature.digest, 'local'],
      [cosignSignature.digest, 'upstream'],
    ]);
    expect(on.referrers[1]!.artifactType).toBe(COSIGN_SIG_ARTIFACT);
    await api.expect(200, 'PATCH', '/projects/hub', { as: users.maintainer, body: { referrersProxy: false } });
  });

  it('answers 404 for an unknown reference and 400 for a malformed digest', async () => {
    expect((await api.call('GET', `/projects/hub/repositories/${REPO}/artifacts/nope`, { as: users.guest })).status).toBe(404);
    expect((await api.call('GET', `/projects/hub/repositories/${REPO}/artifacts/sha256:zz`, { as: users.guest })).status).toBe(400);
  });
});

describe('who may browse and delete', () => {
  const token = (overrides: Partial<Parameters<typeof mintToken>[0]> = {}) =>
    mintToken({ key, issuer: ISSUER, audience: SERVICE, subject: 'keeper', ...overrides });
  const bearer = async (method: string, path: string, jwt: string) => {
    const response = await fetch(`${setup.berth.url}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${jwt}` } });
    return response.status;
  };
  const reads = ['/projects/apps/repositories', '/projects/apps/repositories/web/tags', '/projects/apps/repositories/web/artifacts/1.0'];
  const deletes = ['/projects/apps/repositories/web/tags/1.0', '/projects/apps/repositories/web'];

  it('refuses anonymous callers (401) and members of other projects (404, as if absent)', async () => {
    for (const path of [...reads, ...deletes]) {
      const method = deletes.includes(path) ? 'DELETE' : 'GET';
      expect([path, (await api.call(method, path)).status]).toEqual([path, 401]);
      const other = await api.call(method, path, { as: users.outsider });
      expect([path, other.status]).toEqual([path, 404]);
      expect(errorOf(other).code).toBe('NOT_FOUND');
    }
  });

  it('lets a guest read but not delete (403)', async () => {
    for (const path of reads) expect((await api.call('GET', path, { as: users.guest })).status).toBe(200);
    for (const path of deletes) {
      const answer = await api.call('DELETE', path, { as: users.guest });
      expect([path, answer.status, errorOf(answer).code]).toEqual([path, 403, 'DENIED']);
    }
  });

  /** A token the token endpoint issued to the account (it carries the account's credential stamp). */
  const issued = async (account: Account) => {
    const answer = await fetch(`${setup.berth.url}/token?service=${SERVICE}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${account.name}:${account.password}`).toString('base64')}` },
    });
    expect(answer.status).toBe(200);
    return ((await answer.json()) as { token: string }).token;
  };

  it('refuses forged and expired tokens (401) and accepts a valid one', async () => {
    expect(await bearer('GET', reads[0]!, await issued(users.maintainer))).toBe(200);
    // Signed with Berth's key but minted without the account's credential stamp: refused.
    expect(await bearer('GET', reads[0]!, await token())).toBe(401);
    expect(await bearer('DELETE', deletes[0]!, await token({ key: await otherSigningKey() }))).toBe(401);
    expect(await bearer('DELETE', deletes[0]!, await token({ key: { ...(await otherSigningKey()), kid: key.kid } }))).toBe(401);
    expect(await bearer('DELETE', deletes[0]!, await token({ issuedAt: -900, notBefore: -900, expiresIn: -600 }))).toBe(401);
    expect(await bearer('GET', reads[0]!, await issued(users.outsider))).toBe(404);
    // Nothing was deleted by the refused requests.
    const tags = await api.expect<{ tags: Tag[] }>(200, 'GET', '/projects/apps/repositories/web/tags', { as: users.guest });
    expect(tags.tags.map((t) => t.name)).toEqual(['1.0', '1.1']);
  });

  it('lets a maintainer delete a tag, then the repository', async () => {
    expect((await api.call('DELETE', deletes[0]!, { as: users.maintainer })).status).toBe(204);
    const tags = await api.expect<{ tags: Tag[] }>(200, 'GET', '/projects/apps/repositories/web/tags', { as: users.guest });
    expect(tags.tags.map((t) => t.name)).toEqual(['1.1']);
    expect((await api.call('DELETE', deletes[0]!, { as: users.maintainer })).status).toBe(404);
    expect((await api.call('DELETE', deletes[1]!, { as: users.maintainer })).status).toBe(204);
    const list = await api.expect<{ repositories: Repo[] }>(200, 'GET', '/projects/apps/repositories', { as: users.guest });
    expect(list.repositories.map((r) => r.name)).toEqual(['apps/tools/cli']);
    const audit = await api.expect<{ events: Array<{ action: string; actor: string; target: string }> }>(200, 'GET', '/audit?limit=5', { as: ADMIN });
    expect(audit.events.slice(0, 2).map((e) => [e.action, e.actor, e.target])).toEqual([
      ['repository.delete', 'keeper', 'repository:apps/web'],
      ['tag.delete', 'keeper', 'repository:apps/web:1.0'],
    ]);
  });

  it("deletes a proxy tag's cached copy: the next pull fetches it from the upstream again", async () => {
    const before = setup.relay.count('GET', MANIFEST_PATH);
    expect((await api.call('DELETE', `/projects/hub/repositories/${REPO}/tags/v1`, { as: users.maintainer })).status).toBe(204);
    const tags = await api.expect<{ tags: Tag[] }>(200, 'GET', `/projects/hub/repositories/${REPO}/tags`, { as: users.guest });
    expect(tags.tags).toEqual([]);
    const pulled = await danceGetManifest(setup.berth.url, 'hub/library/app', 'v1', credentials);
    expect(pulled.status).toBe(200);
    expect(setup.relay.count('GET', MANIFEST_PATH) + setup.relay.count('HEAD', MANIFEST_PATH)).toBeGreaterThan(before);
    const again = await api.expect<{ tags: Tag[] }>(200, 'GET', `/projects/hub/repositories/${REPO}/tags`, { as: users.guest });
    expect(again.tags.map((t) => [t.name, t.source])).toEqual([['v1', 'cached']]);
  });
});
