import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { randomBlob, blobOf, unknownDigest } from '../api/content.js';
import { call, expectOciError } from '../api/helpers.js';
import { bytesReceivedDirectly } from '@berth/sendfile';
import { pseudoRandomBytes } from '../harness/oci-image.js';
import { pushBlob } from '../upstream/push.js';
import { startProxySetup, type ProxySetup } from './setup.js';

// Blobs through a proxy project: one upstream GET per digest shared by every client, streamed as it
// arrives; HEAD without download; Range on a cold blob; resume after a cut; corrupt bytes discarded;
// a Range joining a fill in flight answered only with verified bytes.

const MiB = 1024 * 1024;
let setup: ProxySetup;

beforeAll(async () => {
  setup = await startProxySetup([{ name: 'hub', kind: 'proxy' }]);
}, 60_000);

afterAll(async () => {
  await setup?.stop();
});

const blobGets = (digest: string) => setup.relay.count('GET', new RegExp(`/blobs/${digest}$`));

/** GET the blob and hash it as it streams; `abortAfter` bytes makes the client hang up early. */
async function fetchAndHash(url: string, abortAfter?: number): Promise<{ status: number; digest: string; bytes: number; cacheStatus: string | null }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const hash = createHash('sha256');
  let bytes = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      hash.update(chunk.value);
      bytes += chunk.value.byteLength;
      if (abortAfter !== undefined && bytes >= abortAfter) {
        controller.abort();
        break;
      }
    }
  } catch (error) {
    if (abortAfter === undefined) throw error;
  }
  return { status: response.status, digest: `sha256:${hash.digest('hex')}`, bytes, cacheStatus: response.headers.get('cache-status') };
}

/** After the last byte the fill still verifies and stores the blob; wait until HEAD finds it stored. */
async function untilCached(url: string): Promise<void> {
  // Waited for; the bound (60 s) is only reached by a fill that never stores.
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const head = await fetch(url, { method: 'HEAD' });
    if (head.headers.get('cache-status') === 'Berth; hit') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not stored within 60 s`);
}

describe('one cold 256 MiB blob, 32 clients at once', () => {
  it('makes exactly one upstream GET; every client gets the right bytes; a client leaving early stops nothing', async () => {
    const blob = blobOf(pseudoRandomBytes('proxy-big-blob', 256 * MiB));
    await pushBlob(setup.upstream.url, 'big/blob', blob);
    const url = `${setup.berth.url}/v2/hub/big/blob/blobs/${blob.digest}`;
    const directBefore = bytesReceivedDirectly();
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => fetchAndHash(url, i === 0 ? MiB : undefined)));
    expect(blobGets(blob.digest)).toBe(1);
    // A plain HTTP upstream: the whole body went from the socket into the spool without JavaScript.
    expect(bytesReceivedDirectly() - directBefore).toBe(blob.size);
    const [quitter, ...rest] = results;
    expect(quitter?.status).toBe(200);
    for (const result of rest) {
      expect(result).toMatchObject({ status: 200, digest: blob.digest, bytes: blob.size });
    }
    const statuses = results.map((result) => result.cacheStatus);
    expect(statuses.filter((status) => status === 'Berth; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'Berth; fwd=miss; collapsed')).toHaveLength(31);

    await untilCached(url);
    const warm = await fetchAndHash(url);
    expect(warm).toMatchObject({ status: 200, digest: blob.digest, cacheStatus: 'Berth; hit' });
    expect(blobGets(blob.digest)).toBe(1);
  }, 180_000);
});

describe('single requests', () => {
  it('answers HEAD of an uncached blob from an upstream HEAD without downloading', async () => {
    const blob = randomBlob(4096);
    await pushBlob(setup.upstream.url, 'small/head', blob);
    const head = await call(setup.berth.url, 'HEAD', `/v2/hub/small/head/blobs/${blob.digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('4096');
    expect(head.headers.get('docker-content-digest')).toBe(blob.digest);
    expect(blobGets(blob.digest)).toBe(0);
    expect(setup.relay.count('HEAD', new RegExp(`/blobs/${blob.digest}$`))).toBe(1);
  });

  it('serves a Range of a cold blob', async () => {
    const blob = randomBlob(100_000);
    await pushBlob(setup.upstream.url, 'small/range', blob);
    const part = await call(setup.berth.url, 'GET', `/v2/hub/small/range/blobs/${blob.digest}`, { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/100000');
    expect(part.body.equals(blob.bytes.subarray(1000, 2000))).toBe(true);
    expectOciError(await call(setup.berth.url, 'GET', `/v2/hub/small/range/blobs/${blob.digest}`, { headers: { range: 'bytes=200000-' } }), 416, 'RANGE_INVALID');
  });

  it('resumes an upstream connection cut mid-blob', async () => {
    const blob = randomBlob(3 * MiB);
    await pushBlob(setup.upstream.url, 'small/cut', blob);
    setup.relay.fault({ path: new RegExp(`/blobs/${blob.digest}$`), method: 'GET', times: 1, cutAfterBytes: MiB });
    const directBefore = bytesReceivedDirectly();
    const result = await fetchAndHash(`${setup.berth.url}/v2/hub/small/cut/blobs/${blob.digest}`);
    expect(result).toMatchObject({ status: 200, digest: blob.digest, bytes: blob.size });
    expect(blobGets(blob.digest)).toBe(2);
    // The first connection went to a receive thread and broke; the resumed one was read by JavaScript.
    const direct = bytesReceivedDirectly() - directBefore;
    expect(direct).toBeGreaterThan(0);
    expect(direct).toBeLessThanOrEqual(MiB);
  });

  it('discards corrupted bytes: the client gets an error, nothing is cached, the next pull is clean', async () => {
    const blob = randomBlob(2 * MiB);
    await pushBlob(setup.upstream.url, 'small/corrupt', blob);
    setup.relay.fault({ path: new RegExp(`/blobs/${blob.digest}$`), method: 'GET', times: 1, corruptAtByte: MiB + 5 });
    const url = `${setup.berth.url}/v2/hub/small/corrupt/blobs/${blob.digest}`;
    const broken = await fetchAndHash(url).catch((error: unknown) => ({ status: -1, digest: String(error), bytes: 0, cacheStatus: null }));
    expect(broken.digest).not.toBe(blob.digest);
    const clean = await fetchAndHash(url);
    expect(clean).toMatchObject({ status: 200, digest: blob.digest, cacheStatus: 'Berth; fwd=miss; stored' });
    expect(blobGets(blob.digest)).toBe(2);
    const metrics = await (await fetch(`${setup.berth.url}/metrics`)).text();
    expect(metrics).toMatch(/berth_proxy_digest_mismatches_total\{project="\*"\} [1-9]/);
  });

  it('answers BLOB_UNKNOWN for a blob the upstream lacks, and serves cached blobs while it is down', async () => {
    expectOciError(await call(setup.berth.url, 'GET', `/v2/hub/small/none/blobs/${unknownDigest()}`), 404, 'BLOB_UNKNOWN');
    const blob = randomBlob(10_000);
    await pushBlob(setup.upstream.url, 'small/down', blob);
    const url = `${setup.berth.url}/v2/hub/small/down/blobs/${blob.digest}`;
    expect((await fetchAndHash(url)).digest).toBe(blob.digest);
    await untilCached(url);
    await setup.relay.down();
    try {
      expect(await fetchAndHash(url)).toMatchObject({ status: 200, digest: blob.digest, cacheStatus: 'Berth; hit' });
      expectOciError(await call(setup.berth.url, 'GET', `/v2/hub/small/down/blobs/${unknownDigest()}`), 503, 'UNAVAILABLE');
    } finally {
      await setup.relay.up();
    }
  });
});

/**
 * Start a whole-blob GET (which starts the fill) and resolve once its first `bytes` arrived, so the
 * fill is known to be in flight; `outcome` is the rest of that GET (rejects if it is cut).
 */
async function fillInFlight(url: string, bytes: number): Promise<{ outcome: Promise<{ status: number; digest: string }> }> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  const hash = createHash('sha256');
  let seen = 0;
  while (seen < bytes) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the GET ended after ${seen} bytes`);
    hash.update(chunk.value);
    seen += chunk.value.byteLength;
  }
  const outcome = (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value);
    return { status: response.status, digest: `sha256:${hash.digest('hex')}` };
  })();
  outcome.catch(() => undefined); // awaited by the test
  return { outcome };
}

/** Berth's count of readers that joined a fill in flight (they are counted as they join). */
async function fillJoins(): Promise<number> {
  const metrics = await (await fetch(`${setup.berth.url}/metrics`)).text();
  return Number(/^berth_proxy_fill_joins_total (\d+)/m.exec(metrics)?.[1] ?? '0');
}

/** Wait until one more reader than `before` has joined a fill. */
async function untilJoined(before: number): Promise<void> {
  while ((await fillJoins()) <= before) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('a Range joining a fill in flight', () => {
  // The relay holds the upstream body after its first MiB, so the fill is in flight (with the bytes
  // of the range already spooled) for as long as the test wants; the Range GET joins it then.
  it('never gets corrupted bytes: its answer waits for verification, and the fill failed', async () => {
    const blob = randomBlob(4 * MiB);
    await pushBlob(setup.upstream.url, 'join/corrupt', blob);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    setup.relay.fault({ path: new RegExp(`/blobs/${blob.digest}$`), method: 'GET', times: 1, corruptAtByte: 1500, pauseAfterBytes: MiB, resumeWhen: resumed });
    const url = `${setup.berth.url}/v2/hub/join/corrupt/blobs/${blob.digest}`;
    const whole = await fillInFlight(url, 4096);
    const joins = await fillJoins();
    const ranged = call(setup.berth.url, 'GET', `/v2/hub/join/corrupt/blobs/${blob.digest}`, { headers: { range: 'bytes=1000-1999' } });
    // Everything the range asks for is in the spool now, and the corrupted byte with it.
    await untilJoined(joins);
    resume();
    const part = await ranged;
    if (part.status === 206) expect(part.body.equals(blob.bytes.subarray(1000, 2000))).toBe(true);
    expectOciError(part, 502, 'UNAVAILABLE');
    await expect(whole.outcome).rejects.toThrow();
    expect(blobGets(blob.digest)).toBe(1);
  });

  it('gets the right bytes of an honest fill, from the verified blob', async () => {
    const blob = randomBlob(4 * MiB);
    await pushBlob(setup.upstream.url, 'join/honest', blob);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    setup.relay.fault({ path: new RegExp(`/blobs/${blob.digest}$`), method: 'GET', times: 1, pauseAfterBytes: MiB, resumeWhen: resumed });
    const url = `${setup.berth.url}/v2/hub/join/honest/blobs/${blob.digest}`;
    const whole = await fillInFlight(url, 4096);
    const joins = await fillJoins();
    const ranged = call(setup.berth.url, 'GET', `/v2/hub/join/honest/blobs/${blob.digest}`, { headers: { range: 'bytes=1000-3000999' } });
    await untilJoined(joins);
    resume();
    const part = await ranged;
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-3000999/${blob.size}`);
    expect(part.headers.get('cache-status')).toBe('Berth; fwd=miss; collapsed');
    expect(part.body.equals(blob.bytes.subarray(1000, 3_001_000))).toBe(true);
    expect(await whole.outcome).toEqual({ status: 200, digest: blob.digest });
    expect(blobGets(blob.digest)).toBe(1);
  });
});
