import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedisClient, createRedisClient, type Redis } from '@berth/redis';
import { openS3BlobStore, type BlobStore } from '@berth/storage';
import { startStack, type Stack } from '../../scripts/stack/stack.js';
import { httpStatus } from '../../scripts/stack/berth-process.js';
import { MANIFEST_ACCEPT, blobOf, digestOf, type Blob } from '../api/content.js';
import { startDockerRegistry, type DockerRegistryUnderTest } from '../harness/docker-registry.js';
import { startFaultRelay, type FaultRelay } from '../harness/fault-relay.js';
import { pseudoRandomBytes } from '../harness/oci-image.js';
import { pushBlob, pushImage } from '../upstream/push.js';

// `npm run stack` as the test runs it: two registry processes and a worker (from the TypeScript
// sources through tsx, so no build is needed) sharing Postgres, Redis and s3rver, with a proxy
// project `hub` whose upstream is a docker-registry behind a fault relay counting what Berth asks.
// A slow upstream is a body cut by the relay whose Range resume the relay then holds back.

const MiB = 1024 * 1024;

let upstream: DockerRegistryUnderTest;
let relay: FaultRelay;
let stack: Stack;
let store: BlobStore;
let redis: Redis;

beforeAll(async () => {
  upstream = await startDockerRegistry();
  relay = await startFaultRelay(upstream.url);
  stack = await startStack({
    command: 'tsx',
    projects: [{ name: 'hub', kind: 'proxy', upstream: { url: relay.url } }],
    shutdownGraceSeconds: 20,
    // A replica killed mid-fill holds its lock this long: the survivor takes the fill over after it.
    config: { redis: { fillLockTtlSeconds: 5 } },
    // STACK_KEEP=1 keeps the processes' logs and data dirs (their paths are in stack.dir) for a look after a failure.
    keepDir: process.env.STACK_KEEP === '1',
  });
  store = await openS3BlobStore({ ...stack.s3, forcePathStyle: true });
  redis = createRedisClient(stack.redisUrl);
}, 150_000);

afterAll(async () => {
  if (redis !== undefined) await closeRedisClient(redis);
  await stack?.stop();
  await relay?.stop();
  await upstream?.stop();
}, 60_000);

const blobPath = (repository: string, digest: string) => `/v2/hub/${repository}/blobs/${digest}`;
const upstreamGets = (digest: string) => relay.count('GET', new RegExp(`/blobs/${digest}$`));

interface PullResult {
  status: number;
  digest: string;
  bytes: number;
}

/** A GET whose body is hashed as it streams; `received` counts the bytes so far. */
function startPull(url: string): { received: () => number; done: Promise<PullResult> } {
  let received = 0;
  const done = (async () => {
    const response = await fetch(url);
    const hash = createHash('sha256');
    for await (const chunk of response.body ?? []) {
      hash.update(chunk);
      received += chunk.byteLength;
    }
    return { status: response.status, digest: `sha256:${hash.digest('hex')}`, bytes: received };
  })();
  done.catch(() => undefined); // awaited by the test, or expected to fail (a killed registry)
  return { received: () => received, done };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** The error code of a GET on a fresh connection ('ECONNREFUSED' when nothing listens), or 'answered'. */
function connectOutcome(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      resolve('answered');
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

const spoolFiles = async (dir: string) => (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.spool'));

/** Hold a blob's upstream GET back: the body is cut after `cutAt` bytes and the Range resume waits `resumeDelayMs`. */
/** The resume waits `resume` ms, or until the promise settles. */
function slowUpstream(blob: Blob, cutAt: number, resume: number | Promise<void>): void {
  const path = new RegExp(`/blobs/${blob.digest}$`);
  relay.fault({ method: 'GET', path, times: 1, cutAfterBytes: cutAt });
  relay.fault({ method: 'GET', path, times: 1, ...(typeof resume === 'number' ? { delayMs: resume } : { hold: resume }) });
}

describe('the plain-process stack', () => {
  it('is up: both registries answer /v2/ and the worker /healthz', async () => {
    expect(stack.registries).toHaveLength(2);
    for (const registry of stack.registries) expect(await httpStatus(`${registry.url}/v2/`)).toBe(200);
    expect(await httpStatus(`${stack.worker.url}/healthz`)).toBe(200);
  });

  it('pulls one image through both replicas at once with one upstream GET per blob', async () => {
    const image = await pushImage(upstream.url, 'app/stack', 'v1', [2048, 300 * 1024, 12 * MiB]);
    const blobs = [image.config, ...image.layers];
    // Blob answers come late, so the clients of both replicas have all asked before any fill ends.
    const removeDelay = relay.fault({ method: 'GET', path: /\/blobs\//, delayMs: 500 });
    const pullImage = async (base: string) => {
      const manifest = await fetch(`${base}/v2/hub/app/stack/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
      const manifestBytes = Buffer.from(await manifest.arrayBuffer());
      const document = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
      const digests = [document.config.digest, ...document.layers.map((layer) => layer.digest)];
      const results = await Promise.all(digests.map((digest) => startPull(`${base}${blobPath('app/stack', digest)}`).done));
      return { status: manifest.status, manifestDigest: digestOf(manifestBytes), results };
    };
    const clients = await Promise.all(stack.registries.flatMap((registry) => [pullImage(registry.url), pullImage(registry.url)])).finally(removeDelay);

    const expected = blobs.map((blob) => ({ status: 200, digest: blob.digest, bytes: blob.size }));
    for (const client of clients) {
      expect(client.status).toBe(200);
      expect(client.manifestDigest).toBe(image.manifest.digest);
      expect(client.results).toEqual(expected);
    }
    for (const blob of blobs) expect({ blob: blob.digest, gets: upstreamGets(blob.digest) }).toEqual({ blob: blob.digest, gets: 1 });
  }, 60_000);

  it('a replica killed mid-fill: the other completes the blob, the restarted one serves it and left no spool', async () => {
    const killed = stack.registries[0]!;
    const survivor = stack.registries[1]!;
    const small = blobOf(pseudoRandomBytes('stack-kill-small', 64 * 1024));
    const big = blobOf(pseudoRandomBytes('stack-kill-big', 16 * MiB));
    await pushBlob(upstream.url, 'app/kill', small);
    await pushBlob(upstream.url, 'app/kill', big);
    expect(await startPull(`${survivor.url}${blobPath('app/kill', small.digest)}`).done).toEqual({ status: 200, digest: small.digest, bytes: small.size });

    // The killed replica's fill stalls after 4 MiB: its resume is held far beyond the test.
    slowUpstream(big, 4 * MiB, 600_000);
    try {
      const viaKilled = startPull(`${killed.url}${blobPath('app/kill', big.digest)}`);
      await until(() => viaKilled.received() >= 2 * MiB, 'the first client is mid-blob');
      expect(await redis.exists(`berth:fill:${big.digest}`)).toBe(1);
      const viaSurvivor = startPull(`${survivor.url}${blobPath('app/kill', big.digest)}`);
      await sleep(300); // its request is in, waiting for the lock the other replica holds

      expect(await killed.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      const cut = await viaKilled.done.then((result) => result.bytes, () => -1);
      expect(cut).toBeLessThan(big.size);
      expect(await spoolFiles(killed.spoolDir)).toHaveLength(1); // what the dead fill left behind
      expect(await store.stat(big.digest)).toBeNull(); // and nothing of it is visible in the store

      // Meanwhile the survivor serves cached content at once.
      expect(await startPull(`${survivor.url}${blobPath('app/kill', small.digest)}`).done).toEqual({ status: 200, digest: small.digest, bytes: small.size });
      // It takes the fill over once the dead holder's lock expires (5 s TTL here) and completes it.
      expect(await viaSurvivor.done).toEqual({ status: 200, digest: big.digest, bytes: big.size });
      // Published to the store just after the last byte was served.
      await until(async () => (await store.stat(big.digest)) !== null, 'the blob is in the store', 10_000);
    } finally {
      relay.clearFaults();
    }
    const gets = upstreamGets(big.digest);

    await killed.restart();
    // The sweep of leftover spool files runs as the fills start up, just before the server listens.
    await until(async () => (await spoolFiles(killed.spoolDir)).length === 0, 'the restarted replica swept its spool dir', 5000);
    expect(await startPull(`${killed.url}${blobPath('app/kill', big.digest)}`).done).toEqual({ status: 200, digest: big.digest, bytes: big.size });
    expect(upstreamGets(big.digest)).toBe(gets); // served from the store
  }, 90_000);

  it('SIGTERM during a slow pull: the pull completes, new connections are refused, the process exits 0', async () => {
    const target = stack.registries[1]!;
    const big = blobOf(pseudoRandomBytes('stack-sigterm', 12 * MiB));
    await pushBlob(upstream.url, 'app/term', big);
    // The upstream's resume is held until new connections are refused: the pull is still running then.
    let release!: () => void;
    slowUpstream(big, 4 * MiB, new Promise<void>((resolve) => (release = resolve)));
    try {
      const pull = startPull(`${target.url}${blobPath('app/term', big.digest)}`);
      let pullEnded = 0;
      const markEnd = () => (pullEnded = Date.now());
      void pull.done.then(markEnd, markEnd);
      await until(() => pull.received() >= 2 * MiB, 'the client is mid-blob');

      const exiting = target.stop('SIGTERM');
      await until(async () => (await connectOutcome(`${target.url}/v2/`)) === 'ECONNREFUSED', 'new connections are refused', 10_000);
      const refusedAt = Date.now();
      release();

      expect(await pull.done).toEqual({ status: 200, digest: big.digest, bytes: big.size });
      expect(pullEnded).toBeGreaterThanOrEqual(refusedAt); // refused while the pull was still running
      // Closed once the drained connection goes: well before the 20 s grace would cut it.
      expect(await exiting).toEqual({ code: 0, signal: null });
      expect(Date.now() - pullEnded).toBeLessThan(15_000);
      expect(await connectOutcome(`${target.url}/v2/`)).toBe('ECONNREFUSED');
      expect(await store.stat(big.digest)).toMatchObject({ size: big.size }); // the fill was published before the exit
    } finally {
      release();
      relay.clearFaults();
    }
  }, 60_000);
});
