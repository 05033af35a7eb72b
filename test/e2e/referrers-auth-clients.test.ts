import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, setMember } from '../auth/accounts.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { pushArtifact } from '../proxy/referrers-fixtures.js';
import { pushImage } from '../upstream/push.js';
import { clientHome, runTool, type ClientHome } from './go-clients.js';

// oras and regctl against a proxy project with token authentication on: who may attach a referrer
// to a cached image and who may list the merged referrers (a developer attaches, a guest only
// lists, a member of another project and an anonymous client do neither).

const ADMIN = { username: 'admin', password: 'e2e-referrers-auth-admin-1' };
const SBOM = 'application/spdx+json';
const UPSTREAM_SIGNATURE = 'application/vnd.example.upstream-signature';

interface Credentials {
  username: string;
  password: string;
}

let upstream: BerthUnderTest;
let berth: BerthUnderTest;
let work: string;
let home: ClientHome;
let developer: Credentials;
let guest: Credentials;
let outsider: Credentials;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-referrers-auth-'));
  home = await clientHome(work, 'oras-regctl');
  upstream = await startBerth({ config: { projects: [{ name: 'pub', kind: 'hosted' }] } });
  berth = await startBerth({
    config: {
      auth: { admin: ADMIN },
      projects: [
        { name: 'other', kind: 'hosted' },
        { name: 'mirror', kind: 'proxy', referrersProxy: true, nameMapping: { prefix: 'pub/' }, upstream: { url: upstream.url } },
      ],
    },
  });
  developer = await createUser(berth.url, ADMIN, 'dev');
  guest = await createUser(berth.url, ADMIN, 'reader');
  outsider = await createUser(berth.url, ADMIN, 'outsider');
  await setMember(berth.url, ADMIN, 'mirror', developer.username, 'developer');
  await setMember(berth.url, ADMIN, 'mirror', guest.username, 'guest');
  await setMember(berth.url, ADMIN, 'other', outsider.username, 'developer');
}, 60_000);

afterAll(async () => {
  await berth?.stop();
  await upstream?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const login = (who?: Credentials) => (who === undefined ? [] : ['--username', who.username, '--password', who.password]);

async function attach(ref: string, who?: Credentials): Promise<string> {
  const file = `sbom-${Math.random().toString(36).slice(2)}.json`;
  await writeFile(join(home.dir, file), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: file }));
  const out = await runTool('oras', ['attach', '--plain-http', ...login(who), '--artifact-type', SBOM, '--format', 'json', ref, `${file}:${SBOM}`], home);
  return (JSON.parse(out) as { digest: string }).digest;
}

async function discover(ref: string, who?: Credentials): Promise<string[]> {
  const out = await runTool('oras', ['discover', '--plain-http', ...login(who), '--format', 'json', ref], home);
  return ((JSON.parse(out) as { referrers?: Array<{ digest: string }> }).referrers ?? []).map((r) => r.digest).sort();
}

async function regctlList(ref: string, who: Credentials): Promise<string[]> {
  const out = await runTool('regctl', ['artifact', 'list', ref, '--format', '{{json .Descriptors}}', '--host', `reg=${berth.host},tls=disabled,user=${who.username},pass=${who.password}`], home);
  return ((JSON.parse(out) as Array<{ digest: string }> | null) ?? []).map((d) => d.digest).sort();
}

const NOT_ALLOWED = /401|403|unauthorized|denied|forbidden/i;

describe('referrers in a proxy project with authentication on', () => {
  it('a developer attaches, a guest lists the merged referrers, others neither', async () => {
    const image = (await pushImage(upstream.url, 'pub/app', 'v1', [1024])).manifest;
    const theirs = (await pushArtifact(upstream.url, 'pub/app', image, UPSTREAM_SIGNATURE)).digest;
    const subject = `${berth.host}/mirror/app@${image.digest}`;

    const mine = await attach(subject, developer);
    const merged = [mine, theirs].sort();
    expect(await discover(subject, developer)).toEqual(merged);
    expect(await discover(subject, guest)).toEqual(merged);
    expect(await regctlList(subject, guest)).toEqual(merged);

    await expect(attach(subject, guest)).rejects.toThrow(NOT_ALLOWED);
    await expect(attach(subject, outsider)).rejects.toThrow(NOT_ALLOWED);
    await expect(attach(subject)).rejects.toThrow(NOT_ALLOWED);
    await expect(discover(subject, outsider)).rejects.toThrow(NOT_ALLOWED);
    await expect(discover(subject)).rejects.toThrow(NOT_ALLOWED);
    await expect(regctlList(subject, outsider)).rejects.toThrow(NOT_ALLOWED);
    // nothing the refused clients tried was stored
    expect(await discover(subject, guest)).toEqual(merged);
  });
});
