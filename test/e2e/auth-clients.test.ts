import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClientCommandError,
  createPodmanSandbox,
  ctrImageDigest,
  ctrPull,
  podmanImageDigest,
  podmanLogin,
  podmanPull,
  podmanPush,
  skopeoCopy,
  skopeoInspectRaw,
  startContainerd,
  type ContainerdUnderTest,
  type PodmanSandbox,
} from '../harness/clients.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { buildImageLayout, type BuiltImage } from '../harness/oci-image.js';
import { createRobot, createUser, setMember } from '../auth/accounts.js';

// Real clients (skopeo, podman, containerd's ctr) against Berth with token authentication on:
// logins, pushes and pulls with the administrator's credentials, anonymous pulls from a public
// project, and refusals for a private one.

const ADMIN = { username: 'admin', password: 'e2e-auth-admin-1' };
const ADMIN_CREDS = `${ADMIN.username}:${ADMIN.password}`;
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

let berth: BerthUnderTest;
let work: string;
let multi: BuiltImage;
let single: BuiltImage;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-e2e-auth-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  berth = await startBerth({
    config: {
      auth: { admin: ADMIN },
      projects: [
        { kind: 'hosted', name: 'private' },
        { kind: 'hosted', name: 'public', public: true },
      ],
    },
  });
  cleanups.push(() => berth.stop());
  multi = await buildImageLayout(join(work, 'multi'), { tag: 'v1', platforms: [AMD64, ARM64], layerSizes: [128 * 1024], seed: 'auth-multi' });
  single = await buildImageLayout(join(work, 'single'), { tag: 'v1', layerSizes: [256 * 1024], seed: 'auth-single' });
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The digest an OCI layout names under `tag` in its index.json. */
async function layoutTagDigest(dir: string, tag: string): Promise<string | undefined> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)?.digest;
}

async function layoutBlob(image: BuiltImage, digest: string): Promise<Buffer> {
  return readFile(join(image.dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

/** The client command failed, and its error output says why: not authorized (each client words it its own way). */
async function expectUnauthorized(attempt: Promise<unknown>): Promise<void> {
  const error = await attempt.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClientCommandError);
  expect((error as ClientCommandError).stderr).toMatch(/unauthorized|authentication required|invalid username\/password|pull access denied|insufficient_scope|401/i);
}

/** Copy an image into Berth as the administrator. */
function pushAsAdmin(image: BuiltImage, repository: string): Promise<void> {
  return skopeoCopy(`oci:${image.dir}:${image.tag}`, `docker://${berth.host}/${repository}:${image.tag}`, { all: true, preserveDigests: true, destCreds: ADMIN_CREDS });
}

describe('skopeo', () => {
  it('copies an image in and out of a private project with the administrator credentials, digests unchanged', async () => {
    const ref = `docker://${berth.host}/private/skopeo:v1`;
    await pushAsAdmin(multi, 'private/skopeo');
    const out = join(work, 'skopeo-out');
    await skopeoCopy(ref, `oci:${out}:v1`, { all: true, preserveDigests: true, srcCreds: ADMIN_CREDS });
    expect(await layoutTagDigest(out, 'v1')).toBe(multi.indexDigest);
    const raw = await skopeoInspectRaw(ref, { creds: ADMIN_CREDS });
    expect(raw.equals(await layoutBlob(multi, multi.indexDigest ?? ''))).toBe(true);
  });

  it('without credentials cannot push to or pull from a private project', async () => {
    await expectUnauthorized(skopeoCopy(`oci:${single.dir}:v1`, `docker://${berth.host}/private/anonymous:v1`));
    await expectUnauthorized(skopeoCopy(`docker://${berth.host}/private/skopeo:v1`, `oci:${join(work, 'denied')}:v1`, { all: true }));
    await expectUnauthorized(skopeoInspectRaw(`docker://${berth.host}/private/skopeo:v1`));
    await expectUnauthorized(skopeoInspectRaw(`docker://${berth.host}/private/skopeo:v1`, { creds: `${ADMIN.username}:wrong-password` }));
  });

  it('pulls anonymously from a public project (digests unchanged) but cannot push there', async () => {
    await pushAsAdmin(multi, 'public/skopeo');
    const out = join(work, 'public-out');
    await skopeoCopy(`docker://${berth.host}/public/skopeo:v1`, `oci:${out}:v1`, { all: true, preserveDigests: true });
    expect(await layoutTagDigest(out, 'v1')).toBe(multi.indexDigest);
    await expectUnauthorized(skopeoCopy(`oci:${single.dir}:v1`, `docker://${berth.host}/public/anonymous:v1`));
  });
});

describe('robot accounts', () => {
  it('a robot with pull and push copies an image in and out with skopeo, digests unchanged', async () => {
    const robot = await createRobot(berth.url, ADMIN, 'private', 'ci', { permissions: ['pull', 'push'] });
    const creds = `${robot.username}:${robot.password}`;
    const ref = `docker://${berth.host}/private/robot:v1`;
    await skopeoCopy(`oci:${multi.dir}:v1`, ref, { all: true, preserveDigests: true, destCreds: creds });
    const out = join(work, 'robot-out');
    await skopeoCopy(ref, `oci:${out}:v1`, { all: true, preserveDigests: true, srcCreds: creds });
    expect(await layoutTagDigest(out, 'v1')).toBe(multi.indexDigest);
  });

  it('a pull-only robot pulls with podman login but cannot push', async () => {
    const robot = await createRobot(berth.url, ADMIN, 'private', 'reader', { permissions: ['pull'] });
    await pushAsAdmin(single, 'private/robot-read');
    const podman = await createPodmanSandbox({ insecureRegistries: [berth.host] });
    cleanups.push(() => podman.stop());
    await podmanLogin(podman, berth.host, robot.username, robot.password);
    const ref = `${berth.host}/private/robot-read:v1`;
    await podmanPull(podman, ref);
    expect(await podmanImageDigest(podman, ref)).toBe(single.topDigest);
    await expectUnauthorized(skopeoCopy(`oci:${single.dir}:v1`, `docker://${berth.host}/private/robot-write:v1`, { destCreds: `${robot.username}:${robot.password}` }));
  });
});

describe('podman', () => {
  let pusher: PodmanSandbox;
  let puller: PodmanSandbox;

  beforeAll(async () => {
    pusher = await createPodmanSandbox({ insecureRegistries: [berth.host] });
    cleanups.push(() => pusher.stop());
    puller = await createPodmanSandbox({ insecureRegistries: [berth.host] });
    cleanups.push(() => puller.stop());
  });

  it('refuses a login with a wrong password', async () => {
    await expectUnauthorized(podmanLogin(pusher, berth.host, ADMIN.username, 'not-the-password'));
  });

  it('a developer logs in and pushes to a private project; another podman pulls it only after a guest logs in', async () => {
    const developer = await createUser(berth.url, ADMIN, 'dev-podman');
    await setMember(berth.url, ADMIN, 'private', developer.username, 'developer');
    const guest = await createUser(berth.url, ADMIN, 'guest-podman');
    await setMember(berth.url, ADMIN, 'private', guest.username, 'guest');
    const ref = `${berth.host}/private/podman:v1`;
    await podmanLogin(pusher, berth.host, developer.username, developer.password);
    const localId = await podmanPull(pusher, `oci:${single.dir}:v1`);
    const pushed = await podmanPush(pusher, localId, ref);
    expect(pushed).toMatch(/^sha256:[0-9a-f]{64}$/);

    await expectUnauthorized(podmanPull(puller, ref));
    await podmanLogin(puller, berth.host, guest.username, guest.password);
    expect(await podmanPull(puller, ref)).toBe(localId);
    expect(await podmanImageDigest(puller, ref)).toBe(pushed);
  });
});

describe('containerd (ctr)', () => {
  let containerd: ContainerdUnderTest;

  beforeAll(async () => {
    containerd = await startContainerd();
    cleanups.push(() => containerd.stop());
    await pushAsAdmin(multi, 'private/ctr');
    await pushAsAdmin(multi, 'public/ctr');
  });

  it('pulls from a private project with a member\'s --user, and not without', async () => {
    const ref = `${berth.host}/private/ctr:v1`;
    const guest = await createUser(berth.url, ADMIN, 'guest-ctr');
    await setMember(berth.url, ADMIN, 'private', guest.username, 'guest');
    await expectUnauthorized(ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/amd64' }));
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/amd64', user: `${guest.username}:${guest.password}` });
    expect(await ctrImageDigest(containerd, ref)).toBe(multi.indexDigest);
  });

  it('pulls anonymously from a public project', async () => {
    const ref = `${berth.host}/public/ctr:v1`;
    await ctrPull(containerd, ref, { plainHttp: true, platform: 'linux/arm64' });
    expect(await ctrImageDigest(containerd, ref)).toBe(multi.indexDigest);
  });
});
