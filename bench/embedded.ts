/**
 * Berth on its embedded database (PGlite) against Berth on PostgreSQL, in the same run: start-up
 * (first start on an empty data directory or database, and a restart) and the PUT and GET of a
 * large manifest. Usage: npm run bench:embedded [-- --runs 3 --manifest-mb 3.9 --puts 3]
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/harness/ports.js';
import { startPostgres, type TestPostgres } from '../test/harness/postgres.js';
import { startService, type ServiceProcess } from '../test/harness/process.js';
import { median } from './lib.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, 'manifest-mb': { type: 'string', default: '3.9' }, puts: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const manifestBytes = Math.round(Number(values['manifest-mb']) * 1e6);
const puts = Number(values.puts);

const BERTH_MAIN = resolve(import.meta.dirname, '../apps/registry/dist/main.js');
const ADMIN = { username: 'admin', password: 'bench-admin-password-1' };
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const REPO = 'bench/big';
type Database = 'pglite' | 'postgres';

interface StartTiming {
  /** Spawn to the first answer of GET /v2/. */
  totalMs: number;
  /** Spawn to the first log line (node, module loading): the part no database choice changes. */
  loadMs: number;
}

interface RunResult {
  first: StartTiming;
  restart: StartTiming;
  putMs: number[];
  getMs: number[];
}

/** Berth as its own process; resolves once it answered GET /v2/ (it holds requests until ready). */
async function startBerth(configFile: string, port: number): Promise<{ service: ServiceProcess; timing: StartTiming }> {
  const started = Date.now();
  const service = await startService(process.execPath, [BERTH_MAIN, '--config', configFile], { port, env: { BERTH_CONFIG: '' }, timeoutMs: 180_000 });
  const answer = await fetch(`http://127.0.0.1:${port}/v2/`);
  await answer.arrayBuffer();
  const totalMs = Date.now() - started;
  const firstLog = service.output().split('\n').find((line) => line.startsWith('{'));
  const loggedAt = firstLog === undefined ? undefined : (JSON.parse(firstLog) as { time?: number }).time;
  return { service, timing: { totalMs, loadMs: loggedAt === undefined ? Number.NaN : loggedAt - started } };
}

async function token(base: string): Promise<string> {
  const basic = Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64');
  const answer = await fetch(`${base}/token?service=berth&scope=repository:${REPO}:push,pull`, { headers: { Authorization: `Basic ${basic}` } });
  if (answer.status !== 200) throw new Error(`/token answered ${answer.status}`);
  return ((await answer.json()) as { token: string }).token;
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** PUT `puts` distinct manifests of `manifestBytes` (a padded annotation) and GET each back. */
async function putManifests(base: string, label: string): Promise<{ putMs: number[]; getMs: number[] }> {
  const auth = { Authorization: `Bearer ${await token(base)}` };
  const config = Buffer.from('{}');
  const blob = await fetch(`${base}/v2/${REPO}/blobs/uploads/?digest=${sha256(config)}`, { method: 'POST', body: config, headers: { ...auth, 'Content-Type': 'application/octet-stream' } });
  if (blob.status !== 201) throw new Error(`config blob: ${blob.status}`);
  const putMs: number[] = [];
  const getMs: number[] = [];
  for (let i = 0; i < puts; i++) {
    const manifest = { schemaVersion: 2, mediaType: MANIFEST_TYPE, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: 2 }, layers: [], annotations: { run: `${label}-${i}`, pad: '' } };
    const overhead = Buffer.byteLength(JSON.stringify(manifest));
    manifest.annotations.pad = 'x'.repeat(Math.max(0, manifestBytes - overhead));
    const body = Buffer.from(JSON.stringify(manifest));
    let started = performance.now();
    const put = await fetch(`${base}/v2/${REPO}/manifests/t${i}`, { method: 'PUT', body, headers: { ...auth, 'Content-Type': MANIFEST_TYPE } });
    await put.arrayBuffer();
    putMs.push(performance.now() - started);
    if (put.status !== 201) throw new Error(`manifest PUT: ${put.status}`);
    started = performance.now();
    const got = await fetch(`${base}/v2/${REPO}/manifests/t${i}`, { headers: { ...auth, Accept: MANIFEST_TYPE } });
    const bytes = Buffer.from(await got.arrayBuffer());
    getMs.push(performance.now() - started);
    if (!bytes.equals(body)) throw new Error(`manifest GET: ${got.status}, ${bytes.length} bytes`);
  }
  return { putMs, getMs };
}

/** A first start on empty storage, a restart, then the manifests on the restarted process. */
async function run(dir: string, database: Database, index: number): Promise<RunResult> {
  const dataDir = join(dir, `${database}-${index}`);
  await mkdir(dataDir);
  let postgres: TestPostgres | undefined;
  try {
    if (database === 'postgres') postgres = await startPostgres();
    const port = await freePort();
    const configFile = join(dataDir, 'berth.json');
    await writeFile(configFile, JSON.stringify({
      server: { host: '127.0.0.1', port },
      dataDir,
      log: { level: 'info' },
      auth: { admin: ADMIN },
      projects: [{ name: 'bench', kind: 'hosted' }],
      ...(postgres !== undefined ? { database: { url: postgres.url } } : {}),
    }));
    const first = await startBerth(configFile, port);
    await first.service.stop();
    const restart = await startBerth(configFile, port);
    try {
      return { first: first.timing, restart: restart.timing, ...(await putManifests(`http://127.0.0.1:${port}`, `${database}-${index}`)) };
    } finally {
      await restart.service.stop();
    }
  } finally {
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const fmt = (ms: number) => `${Math.round(ms)}`;
const row = (label: string, samples: number[]) => `${label.padEnd(34)} ${fmt(median(samples)).padStart(7)}   [${samples.map(fmt).join(', ')}]`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-embedded-'));
  const results: Record<Database, RunResult[]> = { pglite: [], postgres: [] };
  try {
    for (let i = 0; i < runs; i++) {
      // Alternating, so a busy moment of the machine falls on both.
      for (const database of ['pglite', 'postgres'] as const) {
        results[database].push(await run(dir, database, i));
        process.stderr.write('.');
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stderr.write('\n');
  console.log(`${runs} runs; manifest ${manifestBytes} bytes, ${puts} PUTs per run; milliseconds, median   [samples]`);
  const medians: Record<string, Record<Database, number>> = {};
  for (const database of ['pglite', 'postgres'] as const) {
    const all = results[database];
    const series: Record<string, number[]> = {
      'first start': all.map((r) => r.first.totalMs),
      '  of which node + modules': all.map((r) => r.first.loadMs),
      restart: all.map((r) => r.restart.totalMs),
      '  of which node + modules ': all.map((r) => r.restart.loadMs),
      'manifest PUT': all.flatMap((r) => r.putMs),
      'manifest GET': all.flatMap((r) => r.getMs),
    };
    console.log(`\nBerth on ${database}`);
    for (const [label, samples] of Object.entries(series)) {
      console.log(row(label, samples));
      (medians[label.trim()] ??= { pglite: 0, postgres: 0 })[database] = median(samples);
    }
  }
  const ratio = (label: string) => (medians[label]!.pglite / medians[label]!.postgres).toFixed(2);
  console.log('\npglite / postgres (medians)');
  console.log(`  manifest PUT  ${ratio('manifest PUT')}   target <= 2`);
  console.log(`  manifest GET  ${ratio('manifest GET')}`);
  console.log(`  first start   ${ratio('first start')}   (pglite ${fmt(medians['first start']!.pglite)} ms, target < 3000)`);
  console.log(`  restart       ${ratio('restart')}   (pglite ${fmt(medians.restart!.pglite)} ms, target < 3000)`);
}

await main();
