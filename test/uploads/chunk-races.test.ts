import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf, randomBlob } from '../api/content.js';
import { call, errorEntries, startUpload, withQuery } from '../api/helpers.js';
import { startBerth, type BerthUnderTest } from '../harness/berth.js';
import { startPostgres } from '../harness/postgres.js';

// Two PATCHes of one upload session at the same offset at the same moment: exactly one chunk is
// recorded, the other request gets its 416 (not a reset) with the session's true Range, and the
// recorded chunk's bytes are the ones committed. On one Berth (filesystem, S3) and across two
// replicas sharing a database and a blob root, where an in-process lock could not help.

const MiB = 1024 * 1024;
const CHUNK = 8 * MiB;
const TRIALS = 5;

interface Setup {
  /** The replicas the two PATCHes go to (the same one twice for a single Berth). */
  first: BerthUnderTest;
  second: BerthUnderTest;
  stop(): Promise<void>;
}

const running: Setup[] = [];
afterAll(async () => {
  for (const setup of running.splice(0)) await setup.stop();
});

async function single(storage: 'fs' | 's3'): Promise<Setup> {
  const berth = await startBerth({ storage });
  return { first: berth, second: berth, stop: () => berth.stop() };
}

async function replicas(): Promise<Setup> {
  const pg = await startPostgres();
  const blobRoot = await mkdtemp(join(tmpdir(), 'berth-upload-replicas-'));
  const config = { database: { url: pg.url }, storage: { driver: 'fs', fs: { root: blobRoot } } };
  const first = await startBerth({ config });
  const second = await startBerth({ config });
  return {
    first,
    second,
    async stop() {
      await second.stop();
      await first.stop();
      await pg.stop();
      await rm(blobRoot, { recursive: true, force: true });
    },
  };
}

/** PATCH a whole chunk at offset 0; a connection reset is reported as status -1 instead of thrown. */
async function patchAtZero(berth: BerthUnderTest, location: string, bytes: Uint8Array) {
  return call(berth.url, 'PATCH', location, {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${bytes.length - 1}` },
    body: bytes,
  }).catch((error: unknown) => ({ status: -1, error: String((error as Error).cause ?? error) }));
}

describe.each([
  ['one Berth on the filesystem', () => single('fs')],
  ['one Berth on S3', () => single('s3')],
  ['two replicas sharing Postgres and a blob root', replicas],
])('two chunks racing at the same offset: %s', (_label, start) => {
  it(`records exactly one, answers the other 416, and commits the recorded bytes (${TRIALS} trials)`, async () => {
    const setup = await start();
    running.push(setup);
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const repo = `races/trial-${trial}`;
      // Path only, so each replica is asked at its own address.
      const started = new URL(await startUpload(setup.first.url, repo), setup.first.url);
      const location = started.pathname + started.search;
      const chunks = [randomBlob(CHUNK), randomBlob(CHUNK)];
      const answers = await Promise.all([patchAtZero(setup.first, location, chunks[0]!.bytes), patchAtZero(setup.second, location, chunks[1]!.bytes)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([202, 416]);
      const accepted = chunks[answers.findIndex((answer) => answer.status === 202)]!;
      const put = await call(setup.second.url, 'PUT', withQuery(setup.second.url, location, { digest: accepted.digest }));
      expect(put.status).toBe(201);
      const blob = await call(setup.first.url, 'GET', `/v2/${repo}/blobs/${accepted.digest}`);
      expect(blob.status).toBe(200);
      expect(digestOf(blob.body)).toBe(accepted.digest);

      // The refused chunk is told where the session really is: after the recorded chunk.
      const refused = answers.find((answer) => answer.status === 416);
      if (refused === undefined || !('headers' in refused)) throw new Error('no 416 answer');
      expect(errorEntries(refused).map((entry) => entry.code)).toContain('RANGE_INVALID');
      expect(refused.headers.get('range')).toBe(`0-${CHUNK - 1}`);
    }
  });
});
