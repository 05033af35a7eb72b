/**
 * Cached manifest GET by tag in a hosted project: Berth embedded (PGlite), Berth on PostgreSQL and
 * CNCF distribution (Debian's docker-registry) serving the same manifest bytes, measured in turns in
 * the same run (`wrk`), with each server's CPU seconds per request (from /proc/<pid>/stat) and, for
 * Berth on PostgreSQL, the database's transactions per request (pg_stat_database).
 *
 * Berth runs with authentication on and the project public: the rows are anonymous GETs (no
 * credentials) and, for embedded, GETs with the anonymous bearer token a client fetches from /token
 * after the challenge (what docker and containerd send). Distribution has no authentication.
 *
 * Usage: npm run bench:hosted [-- --runs 3 --wrk-seconds 5 --wrk-connections 32]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { MEDIA, descriptor, ociManifest, randomBlob, randomConfig, type Blob, type ManifestDoc } from '../test/api/content.js';
import { freePort } from '../test/harness/ports.js';
import { startPostgres } from '../test/harness/postgres.js';
import { startRedis } from '../test/harness/redis.js';
import { startService } from '../test/harness/process.js';
import { debianTool, median, processCpuSeconds, requirePositiveIntegers, wrk, wrkLoadOf } from './lib.js';
import { MANIFEST_TYPE, startBerthWith } from './pull-through-servers.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'wrk-seconds': { type: 'string', default: '5' },
    'wrk-connections': { type: 'string', default: '32' },
  },
});
const RUNS = Number(values.runs);
const WRK = wrkLoadOf(values);
requirePositiveIntegers({ runs: RUNS, 'wrk-seconds': WRK.seconds, 'wrk-connections': WRK.connections });
const ADMIN = { username: 'admin', password: 'bench-admin-password-1' };
const REPO = 'bench/img';
/** PostgreSQL backends report their statistics when idle, at the latest after 10 s. */
const PG_STATS_FLUSH_MS = 11_000;

interface Server {
  name: string;
  url: string;
  pid: number;
  /** The Authorization header for a push (none for distribution). */
  pushAuth(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

interface Row {
  label: string;
  server: Server;
  headers: Record<string, string>;
}

async function tokenFrom(base: string, authorization: string | undefined, scope: string): Promise<string> {
  const response = await fetch(`${base}/token?scope=${encodeURIComponent(scope)}`, { headers: authorization === undefined ? {} : { Authorization: authorization } });
  if (response.status !== 200) throw new Error(`token for ${scope}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

async function startBerth(dir: string, name: string, shared?: { databaseUrl: string; redisUrl: string }): Promise<Server> {
  const dataDir = await mkdtemp(join(dir, `${name}-`));
  const service = await startBerthWith(dataDir, {
    auth: { admin: ADMIN },
    projects: [{ kind: 'hosted', name: 'bench', public: true }],
    // Replicas on PostgreSQL remember hosted manifests only with Redis (the shape for several).
    ...(shared === undefined ? {} : { database: { url: shared.databaseUrl }, redis: { url: shared.redisUrl } }),
  });
  const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;
  return {
    name,
    url: service.url,
    pid: service.child.pid!,
    pushAuth: async () => ({ Authorization: `Bearer ${await tokenFrom(service.url, basic, `repository:${REPO}:pull,push`)}` }),
    stop: () => service.stop(),
  };
}

async function startDistribution(dir: string): Promise<Server> {
  const port = await freePort();
  const config = join(dir, 'registry.yml');
  await writeFile(config, ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'registry')}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  // REGISTRY_* variables would override the file; spawn drops variables set to undefined.
  const env = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('REGISTRY_')).map((k) => [k, undefined]));
  const service = await startService('/usr/bin/docker-registry', ['serve', config], { port, env });
  return { name: 'distribution', url: `http://127.0.0.1:${port}`, pid: service.child.pid!, pushAuth: async () => ({}), stop: () => service.stop() };
}

/** The same config, layer and manifest bytes into every server, tagged `latest`. */
async function pushImage(server: Server, blobs: Blob[], manifest: ManifestDoc): Promise<void> {
  const auth = await server.pushAuth();
  for (const blob of blobs) {
    const post = await fetch(`${server.url}/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { ...auth, 'Content-Length': '0' } });
    await post.arrayBuffer();
    const location = post.headers.get('location');
    if (post.status !== 202 || location === null) throw new Error(`${server.name}: upload POST answered ${post.status}`);
    const url = new URL(location, server.url);
    url.searchParams.set('digest', blob.digest);
    const put = await fetch(url, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
    if (put.status !== 201) throw new Error(`${server.name}: blob PUT answered ${put.status} ${await put.text()}`);
  }
  const put = await fetch(`${server.url}/v2/${REPO}/manifests/latest`, { method: 'PUT', headers: { ...auth, 'Content-Type': manifest.mediaType }, body: manifest.bytes });
  if (put.status !== 201) throw new Error(`${server.name}: manifest PUT answered ${put.status} ${await put.text()}`);
}

/** Committed transactions of the database so far (every autocommitted query is one). */
async function transactionsOf(databaseUrl: string): Promise<number> {
  const database = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ xact_commit: string }>('select xact_commit from pg_stat_database where datname = $1', [database]);
    return Number(rows[0]?.xact_commit ?? Number.NaN);
  } finally {
    await client.end();
  }
}

function show(samples: number[], digits: number): string {
  return `${median(samples).toFixed(digits).padStart(8)} [${samples.map((n) => n.toFixed(digits)).join(' ')}]`;
}

async function main(): Promise<void> {
  if ((await debianTool('/usr/bin/wrk', 'wrk')) === undefined) throw new Error('wrk is needed');
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-hosted-'));
  const postgres = await startPostgres();
  const redis = await startRedis();
  const servers: Server[] = [];
  try {
    const embedded = await startBerth(dir, 'berth-embedded');
    servers.push(embedded);
    const onPostgres = await startBerth(dir, 'berth-postgres', { databaseUrl: postgres.url, redisUrl: redis.url });
    servers.push(onPostgres);
    const distribution = await startDistribution(dir);
    servers.push(distribution);

    const config = randomConfig();
    const layer = randomBlob(512);
    const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, layer)] });
    for (const server of servers) await pushImage(server, [config, layer], manifest);
    const anonymousToken = await tokenFrom(embedded.url, undefined, `repository:${REPO}:pull`);
    const rows: Row[] = [
      { label: 'berth-embedded', server: embedded, headers: {} },
      { label: 'berth-embedded, bearer token', server: embedded, headers: { Authorization: `Bearer ${anonymousToken}` } },
      { label: 'berth-postgres', server: onPostgres, headers: {} },
      { label: 'distribution', server: distribution, headers: {} },
    ];
    for (const row of rows) {
      const answer = await fetch(`${row.server.url}/v2/${REPO}/manifests/latest`, { headers: { Accept: MANIFEST_TYPE, ...row.headers } });
      const bytes = Buffer.from(await answer.arrayBuffer());
      if (answer.status !== 200 || !bytes.equals(manifest.bytes)) throw new Error(`${row.label}: warm-up GET answered ${answer.status} with other bytes`);
    }

    await sleep(PG_STATS_FLUSH_MS);
    const transactionsBefore = await transactionsOf(postgres.url);
    let postgresRequests = 0;
    console.log(`hosted manifest GET by tag (${manifest.size}-byte manifest), wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s, ${RUNS} runs, servers in turns`);
    const samples = new Map(rows.map((row) => [row, { rps: [] as number[], cpuUs: [] as number[], failures: 0 }]));
    for (let run = 0; run < RUNS; run++) {
      for (const row of rows) {
        const url = `${row.server.url}/v2/${REPO}/manifests/latest`;
        const cpuBefore = await processCpuSeconds(row.server.pid);
        const result = await wrk(url, { Accept: MANIFEST_TYPE, ...row.headers }, WRK);
        const cpu = (await processCpuSeconds(row.server.pid)) - cpuBefore;
        const requests = result.requestsPerSecond * WRK.seconds;
        const s = samples.get(row)!;
        s.rps.push(result.requestsPerSecond);
        s.cpuUs.push((cpu * 1e6) / requests);
        s.failures += result.failures;
        if (row.server === onPostgres) postgresRequests += requests;
      }
    }
    const reference = median(samples.get(rows.at(-1)!)!.rps);
    console.log(`  ${'server'.padEnd(30)} ${'req/s median [runs]'.padEnd(30)} ${'server CPU us/request [runs]'.padEnd(32)} vs distribution`);
    for (const row of rows) {
      const s = samples.get(row)!;
      const failures = s.failures > 0 ? `  (${s.failures} failed requests)` : '';
      console.log(`  ${row.label.padEnd(30)} ${show(s.rps, 0).padEnd(30)} ${show(s.cpuUs, 0).padEnd(32)} ${(median(s.rps) / reference).toFixed(2)}x${failures}`);
    }
    await sleep(PG_STATS_FLUSH_MS);
    const transactions = (await transactionsOf(postgres.url)) - transactionsBefore;
    console.log(`  berth-postgres: ${transactions} PostgreSQL transactions for ${Math.round(postgresRequests)} GETs (${(transactions / postgresRequests).toFixed(4)} per GET; background jobs included)`);
  } finally {
    for (const server of servers.reverse()) await server.stop().catch(() => undefined);
    await postgres.stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
