import { describe, it, expect, afterEach } from '@jest/globals';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { request } from 'node:http';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { blobOf, digestOf, randomBlob } from '../api/content.js';
import { call, describeResult, startUpload, withQuery } from '../api/helpers.js';
import { freePort } from '../harness/ports.js';
import { startPostgres } from '../harness/postgres.js';
import { startService, type ServiceProcess } from '../harness/process.js';
import { startS3, type TestS3 } from '../harness/s3.js';

// A Berth process killed with SIGKILL in the middle of a PATCH leaves the session's storage holding
// more than the offset recorded in the database (the interrupted chunk's first bytes). After a
// restart the same session goes on from the recorded offset, those bytes dropped, to a blob whose
// digest is right: on the filesystem (embedded PGlite) and on S3 (s3rver, Postgres). The dead
// process's claim on the session lapses by itself, so the continuing PATCH may wait for that.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(REPO, 'apps/registry/src/main.ts');
const MiB = 1024 * 1024;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Running {
  url: string;
  process: ServiceProcess;
}

/** Berth as its own process (main.ts through tsx), on a free port, with this configuration. */
async function startBerthProcess(dataDir: string, config: Record<string, unknown>): Promise<Running> {
  const port = await freePort();
  const file = join(dataDir, `berth-${port}.json`);
  const full = { server: { host: '127.0.0.1', port }, dataDir, autoCreateProjects: true, auth: { enabled: false }, log: { level: 'warn' }, ...config };
  await writeFile(file, JSON.stringify(full));
  const service = await startService(process.execPath, ['--import', 'tsx', MAIN, '--config', file], { port, cwd: REPO, timeoutMs: 60_000 });
  cleanups.push(() => service.stop());
  return { url: `http://127.0.0.1:${port}`, process: service };
}

async function killHard(running: Running): Promise<void> {
  const { child } = running.process;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Start a PATCH of `declared` bytes at `start` and send only `part` of them; the request is left hanging. */
function patchPartly(url: string, location: string, start: number, declared: number, part: Uint8Array): void {
  const req = request(new URL(location, url), {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + declared - 1}`, 'Content-Length': String(declared) },
  });
  req.on('error', () => undefined); // the server is killed under it
  req.write(part);
}

/** Poll `check` until it is true: the interrupted chunk's bytes reaching storage (however long that takes). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface Driver {
  config(dataDir: string): Promise<Record<string, unknown>>;
  /** Bytes the session's storage holds (at least), crash leftovers included. */
  storedBytes(dataDir: string, id: string): Promise<number>;
}

const filesystem: Driver = {
  config: async () => ({}),
  async storedBytes(dataDir, id) {
    return (await stat(join(dataDir, 'blobs', 'uploads', id)).catch(() => ({ size: 0 }))).size;
  },
};

function s3Driver(): Driver {
  let s3: TestS3;
  let client: S3Client;
  return {
    async config() {
      s3 = await startS3();
      cleanups.push(() => s3.stop());
      client = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      cleanups.push(async () => client.destroy());
      const pg = await startPostgres();
      cleanups.push(() => pg.stop());
      return {
        database: { url: pg.url },
        storage: { driver: 's3', s3: { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
      };
    },
    async storedBytes(_dataDir, id) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `uploads/${id}/` }));
      return (page.Contents ?? []).reduce((total, object) => total + (object.Size ?? 0), 0);
    },
  };
}

describe.each([
  ['the filesystem', () => filesystem],
  ['S3', s3Driver],
])('an upload session after kill -9 mid-PATCH, on %s', (_label, driverOf) => {
  it('continues from its recorded offset, the interrupted bytes dropped, to a verified blob', async () => {
    const driver = driverOf();
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-crash-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const config = await driver.config(dataDir);
    const first = await startBerthProcess(dataDir, config);

    const head = randomBlob(MiB);
    const middle = randomBlob(2 * MiB);
    const tail = randomBlob(MiB);
    const whole = blobOf(Buffer.concat([head.bytes, middle.bytes, tail.bytes]));
    const repo = 'crash/app';
    const location = await startUpload(first.url, repo);
    const id = location.split('/').pop()!.split('?')[0]!;
    const recorded = await call(first.url, 'PATCH', location, { headers: { 'Content-Range': `0-${MiB - 1}` }, body: head.bytes });
    expect(recorded.status).toBe(202);

    // 12 MiB of other bytes, of 20 MiB declared: more than one S3 piece (8 MiB) gets stored.
    const interrupted = randomBlob(12 * MiB).bytes;
    patchPartly(first.url, location, MiB, 20 * MiB, interrupted);
    await until('the interrupted chunk in storage', async () => (await driver.storedBytes(dataDir, id)) >= MiB + 8 * MiB);
    await killHard(first);
    expect(await driver.storedBytes(dataDir, id)).toBeGreaterThan(MiB); // longer than the recorded offset

    const second = await startBerthProcess(dataDir, config);
    const status = await call(second.url, 'GET', location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${MiB - 1}`);
    // Waits for the dead process's claim to lapse, then drops its bytes and writes this chunk.
    const resumed = await call(second.url, 'PATCH', location, { headers: { 'Content-Range': `${MiB}-${3 * MiB - 1}` }, body: middle.bytes });
    expect(resumed.status).toBe(202);
    expect(resumed.headers.get('range')).toBe(`0-${3 * MiB - 1}`);
    const put = await call(second.url, 'PUT', withQuery(second.url, location, { digest: whole.digest }), { body: tail.bytes });
    expect(describeResult(put)).toMatch(/^201 /);
    const blob = await call(second.url, 'GET', `/v2/${repo}/blobs/${whole.digest}`);
    expect(blob.status).toBe(200);
    expect(blob.body.length).toBe(4 * MiB);
    expect(digestOf(blob.body)).toBe(whole.digest);
  });
});
