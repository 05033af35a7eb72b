import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createUpstreamClient, UpstreamError } from '@berth/upstream';
import type { UpstreamClient, UpstreamOptions } from '@berth/upstream';
import { MANIFEST_ACCEPT, MEDIA } from '../api/content.js';
import { startDockerRegistry } from '../harness/docker-registry.js';
import type { DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay } from '../harness/fault-relay.js';
import type { FaultRelay } from '../harness/fault-relay.js';
import { startTokenIssuer } from '../harness/token-issuer.js';
import type { TokenIssuer } from '../harness/token-issuer.js';
import { pushImage, pushToken, readAll } from './push.js';
import type { PushedImage } from './push.js';

// The upstream client against docker-registry in token-auth mode, with the test token issuer:
// anonymous tokens, and tokens only for users with a password.

const ACCEPT = MANIFEST_ACCEPT.split(', ');
const REPO = 'team/app';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Setup {
  issuer: TokenIssuer;
  registry: DockerRegistryUnderTest;
  image: PushedImage;
  clients: UpstreamClient[];
  client(extra?: Partial<UpstreamOptions>, url?: string): UpstreamClient;
  stop(): Promise<void>;
}

async function setup(users?: Record<string, string>): Promise<Setup> {
  const issuer = await startTokenIssuer({ service: 'berth-test-registry', issuer: 'berth-test-issuer', ...(users !== undefined ? { users } : {}) });
  let registry: DockerRegistryUnderTest | undefined;
  try {
    registry = await startDockerRegistry({
      auth: { token: { realm: issuer.url, service: issuer.service, issuer: issuer.issuer, rootCertBundle: issuer.rootCertBundle } },
    });
    const [name, password] = Object.entries(users ?? {})[0] ?? [];
    const token = await pushToken(issuer, REPO, name !== undefined && password !== undefined ? { name, password } : undefined);
    const image = await pushImage(registry.url, REPO, 'v1', [2 * 1024 * 1024 + 3], token);
    const clients: UpstreamClient[] = [];
    const started = registry;
    return {
      issuer,
      registry,
      image,
      clients,
      client(extra = {}, url = started.url) {
        // The realm is on another port of 127.0.0.1: another host, so it must be allowed.
        const upstream = createUpstreamClient({ name: 'token-registry', url, tokenRealmHosts: [issuer.host], ...extra });
        clients.push(upstream);
        return upstream;
      },
      async stop() {
        await Promise.all(clients.map((c) => c.close()));
        await started.stop();
        await issuer.stop();
      },
    };
  } catch (error) {
    await registry?.stop();
    await issuer.stop();
    throw error;
  }
}

describe('token auth, anonymous pulls', () => {
  let s: Setup;
  let relay: FaultRelay;
  beforeAll(async () => {
    s = await setup();
    relay = await startFaultRelay(s.registry.url);
  });
  afterAll(async () => {
    await relay?.stop();
    await s?.stop();
  });

  it('fetches a token for the challenge and reuses it for the repository', async () => {
    const upstream = s.client();
    const before = s.issuer.requests();
    const head = await upstream.headManifest(REPO, 'v1', ACCEPT);
    expect(head).toEqual({ digest: s.image.manifest.digest, mediaType: MEDIA.ociManifest, size: s.image.manifest.size });
    expect((await upstream.getManifest(REPO, s.image.manifest.digest, ACCEPT))?.bytes.equals(s.image.manifest.bytes)).toBe(true);
    expect(await upstream.listTags(REPO)).toEqual(['v1']);
    expect(await upstream.headBlob(REPO, s.image.config.digest)).toEqual({ size: s.image.config.size });
    expect(s.issuer.requests() - before).toBe(1);
    const request = s.issuer.log().at(-1);
    expect(request).toMatchObject({ user: undefined, service: s.issuer.service, scopes: [`repository:${REPO}:pull`], status: 200 });
  });

  it('resumes a cut blob through the relay with the cached token', async () => {
    const upstream = s.client({}, relay.url);
    const layer = s.image.layers[0]!;
    await upstream.headManifest(REPO, 'v1', ACCEPT); // the token dance, before any fault
    const tokens = s.issuer.requests();
    relay.fault({ method: 'GET', path: /\/blobs\/sha256:/, cutAfterBytes: 700_000, times: 1 });
    const blob = await upstream.openBlob(REPO, layer.digest);
    expect(sha256(await readAll(blob!.body))).toBe(layer.digest);
    // the cut answer and the resumed one, both with the token fetched for the HEAD
    expect(relay.count('GET', /\/blobs\/sha256:/)).toBe(2);
    expect(s.issuer.requests()).toBe(tokens);
  });

  it('refuses a realm on another host when it is not allowed', async () => {
    const upstream = createUpstreamClient({ name: 'pinned', url: s.registry.url });
    s.clients.push(upstream);
    const before = s.issuer.requests();
    const error = await upstream.headManifest(REPO, 'v1', ACCEPT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('DENIED');
    expect((error as Error).message).toContain(s.issuer.url);
    expect(s.issuer.requests()).toBe(before);
  });

  it('is null for unknown content behind the token dance', async () => {
    const upstream = s.client();
    expect(await upstream.getManifest(REPO, 'missing', ACCEPT)).toBeNull();
    expect(await upstream.listTags('team/unknown')).toBeNull();
  });
});

describe('token auth with users', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup({ alice: 'correct horse' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('pulls with a username and password sent to the token service', async () => {
    const upstream = s.client({ credentials: { username: 'alice', password: 'correct horse' } });
    const fetched = await upstream.getManifest(REPO, 'v1', ACCEPT);
    expect(fetched?.digest).toBe(s.image.manifest.digest);
    const layer = s.image.layers[0]!;
    const blob = await upstream.openBlob(REPO, layer.digest);
    expect(sha256(await readAll(blob!.body))).toBe(layer.digest);
    expect(s.issuer.log().at(-1)).toMatchObject({ user: 'alice', status: 200 });
  });

  it('fails with UNAUTHORIZED, naming no secret, for a wrong password or none', async () => {
    const wrong = s.client({ credentials: { username: 'alice', password: 'battery staple' } });
    const error = await wrong.getManifest(REPO, 'v1', ACCEPT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('UNAUTHORIZED');
    expect(`${String(error)} ${(error as Error).stack ?? ''}`).not.toContain('battery staple');
    expect(wrong.breakerState()).toBe('online');

    const anonymous = s.client();
    await expect(anonymous.headManifest(REPO, 'v1', ACCEPT)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
