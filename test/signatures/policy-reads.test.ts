import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pino from 'pino';
import { createRegistryServices, type RegistryServices } from '@berth/core';
import { openDatabase, type MetadataStore } from '@berth/db';
import { RedisContentVersions, RedisReferrersCache, closeRedisClient, createRedisClient, type Redis } from '@berth/redis';
import { createFsBlobStore } from '@berth/storage';
import { createUpstreamClient } from '@berth/upstream';
import { createApp } from '../../apps/registry/src/app.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { manifestDescriptor, ociIndex } from '../api/content.js';
import { call, getManifest, pushImage, pushManifest } from '../api/helpers.js';
import { ecKey, enforce, pushCosignSignature, pushReferrerSignature } from './signed-content.js';

// What one manifest GET under a signature policy reads once its verdicts are cached, with Redis (the
// content versions in Redis, one GET each): the services wired as openRuntime wires them, the
// MetadataStore and the Redis client counted. The content version is read once per request (the
// hosted manifest memory and the verdicts of the manifest and of its parent index share it), and a
// platform manifest fetched by digest costs one query (its parent indexes, by repository name).
// The gate still refuses what it refused: an unlisted image, a deleted signature, a changed policy.


jest.setTimeout(120_000);

const KEY_PREFIX = 'reads:';
/** Verdicts as openRuntime keeps them in Redis. */
const VERDICT_LIMITS = { maxEntryBytes: 256 * 1024, maxTotalBytes: 16 * 1024 * 1024, expireAfterMs: 24 * 60 * 60 * 1000 };
/**
 * Reads made on a timer, not per request: the project rows (every 5 s) and the last-pull time
 * (once a minute per project). Left out of the counts, so a slow machine cannot change them.
 */
const TIMED_QUERIES = new Set(['listProjects', 'recordProjectPull']);
const team = ecKey();
const other = ecKey();
let base: string;
let redis: TestRedis;
let client: Redis;
let versions: RedisContentVersions;
let metadata: MetadataStore;
let services: RegistryServices;
let server: Server;
let url: string;
const seen = { recording: false, queries: [] as string[], commands: [] as string[] };

/** The store, each method call (one query each for those a manifest GET makes) noted while recording. */
function counted(store: MetadataStore): MetadataStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        if (seen.recording) seen.queries.push(property);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-policy-reads-'));
  redis = await startRedis();
  client = createRedisClient(redis.url);
  // Every command the client sends goes through sendCommand: noted as `<command> <first key>`.
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    if (seen.recording) seen.commands.push(`${command.name} ${String(command.args[0])}`);
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  metadata = counted(await openDatabase({}));
  await metadata.createProject('signed', 'hosted', { signaturePolicy: enforce(team) }, { public: false });
  versions = new RedisContentVersions(client, { keyPrefix: KEY_PREFIX });
  services = createRegistryServices({
    metadata,
    store: createFsBlobStore({ root: join(base, 'blobs') }),
    proxy: { upstreamFactory: createUpstreamClient, spoolDir: join(base, 'spool'), contentVersions: versions },
    // Remembered manifests do not expire during the test, however slow the machine.
    settings: { hostedManifestMaxAgeMs: 60 * 60 * 1000 },
    signatures: { verdictCache: new RedisReferrersCache(client, { keyPrefix: `${KEY_PREFIX}sv:`, limits: VERDICT_LIMITS }) },
  });
  server = createServer(createApp({ services, logger: pino({ level: 'silent' }) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  await services?.close();
  await metadata?.close();
  await versions?.close();
  if (client !== undefined) await closeRedisClient(client);
  await redis?.stop();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

interface Reads {
  status: number;
  /** MetadataStore calls, timed ones left out. */
  queries: string[];
  /** Redis GETs of the project's content version. */
  versionReads: number;
}

/** One manifest GET and what it read. */
async function measured(repo: string, reference: string): Promise<Reads> {
  seen.queries = [];
  seen.commands = [];
  seen.recording = true;
  try {
    const { status } = await getManifest(url, repo, reference);
    return {
      status,
      queries: seen.queries.filter((query) => !TIMED_QUERIES.has(query)),
      versionReads: seen.commands.filter((command) => command.startsWith(`get ${KEY_PREFIX}cv:`)).length,
    };
  } finally {
    seen.recording = false;
  }
}

/** An index listing a platform manifest under `signed/<repo>:v1`, the index signed with the team key. */
async function signedIndex(repo: string): Promise<{ child: string; signature: string }> {
  const amd = await pushImage(url, `signed/${repo}`, undefined);
  const index = ociIndex({ manifests: [manifestDescriptor(amd.manifest, { platform: { os: 'linux', architecture: 'amd64' } })] });
  await pushManifest(url, `signed/${repo}`, 'v1', index);
  const signature = await pushCosignSignature(url, `signed/${repo}`, team, index.digest);
  return { child: amd.manifest.digest, signature: signature.digest };
}

describe('a manifest GET under a signature policy, verdicts cached, with Redis', () => {
  it('by tag: reads the content version once and makes no database query', async () => {
    await signedIndex('bytag');
    expect((await measured('signed/bytag', 'v1')).status).toBe(200);
    expect(await measured('signed/bytag', 'v1')).toEqual({ status: 200, queries: [], versionReads: 1 });
  });

  it('a platform manifest by digest, served through its signed index: one content-version read and one query', async () => {
    const { child } = await signedIndex('multi');
    expect((await measured('signed/multi', child)).status).toBe(200);
    expect(await measured('signed/multi', child)).toEqual({ status: 200, queries: ['listParentIndexes'], versionReads: 1 });
  });

  it('a verdict reached over three signatures (read through the manifest memory) still reads the content version once', async () => {
    const { manifest } = await pushImage(url, 'signed/cold', 'v1');
    await pushCosignSignature(url, 'signed/cold', team, manifest.digest);
    for (const label of ['a', 'b']) await pushReferrerSignature(url, 'signed/cold', other, manifestDescriptor(manifest), label);
    const cold = await measured('signed/cold', 'v1');
    expect(cold.status).toBe(200);
    expect(cold.versionReads).toBe(1);
  });

  it('still refuses an image no signed index lists, and sees a deleted signature and a changed policy on the next request', async () => {
    const { child, signature } = await signedIndex('refused');
    const loose = await pushImage(url, 'signed/refused', undefined);
    expect((await measured('signed/refused', loose.manifest.digest)).status).toBe(403);
    expect(await measured('signed/refused', loose.manifest.digest)).toEqual({ status: 403, queries: ['listParentIndexes'], versionReads: 1 });
    expect((await measured('signed/refused', child)).status).toBe(200);
    expect((await call(url, 'DELETE', `/v2/signed/refused/manifests/${signature}`)).status).toBe(202);
    expect((await measured('signed/refused', child)).status).toBe(403);
    expect((await measured('signed/refused', 'v1')).status).toBe(403);

    const { child: kept } = await signedIndex('policy');
    expect((await measured('signed/policy', kept)).status).toBe(200);
    // As the admin API changes a policy: the row, then this process forgets what it derived from it.
    const project = await metadata.updateProject('signed', { settings: { signaturePolicy: enforce(other) } });
    await services.proxy.forgetProject(project!.id);
    expect((await measured('signed/policy', kept)).status).toBe(403);
    expect((await measured('signed/policy', 'v1')).status).toBe(403);
  });
});
