/**
 * Streams a large blob through a chunked upload and a GET, on Berth and on CNCF distribution
 * (Debian's docker-registry) as the reference, in the same run. Prints MB/s, the ratio to the
 * reference, each server's peak RSS and the CPU seconds its process spent on each transfer (the
 * servers take turns run by run). Usage: npm run bench:blob [-- --size-mib 1024 --runs 3]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startService, type ServiceProcess } from '../test/harness/process.js';
import { freePort } from '../test/harness/ports.js';
import { startPostgres } from '../test/harness/postgres.js';
import { curl, http, median, peakRssMiB, processCpuSeconds, seconds, syntheticBlob, type SyntheticBlob } from './lib.js';

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '1024' }, runs: { type: 'string', default: '3' }, 'chunk-mib': { type: 'string', default: '64' } } });
const sizeMiB = Number(values['size-mib']);
const runs = Number(values.runs);
const chunkBytes = Number(values['chunk-mib']) * 1024 * 1024;

interface Target { name: string; url: string; service: ServiceProcess }

/**
 * Berth as its own process. Started twice: the first start creates the embedded database (PGlite's
 * initdb briefly needs ~800 MB), the second is the one measured, as a long-running server would be.
 */
async function startBerthProcess(dir: string, name: string, databaseUrl?: string): Promise<Target> {
  const port = await freePort();
  const config = join(dir, `${name}.yaml`);
  const database = databaseUrl === undefined ? '' : `database:\n  url: ${databaseUrl}\n`;
  await writeFile(config, `server:\n  host: 127.0.0.1\n  port: ${port}\ndataDir: ${join(dir, name)}\nlog:\n  level: warn\nauth:\n  enabled: false\nprojects:\n  - name: bench\n    kind: hosted\n${database}`);
  const main = resolve(import.meta.dirname, '../apps/registry/dist/main.js');
  const start = () => startService(process.execPath, [main, '--config', config], { port, env: { BERTH_CONFIG: '' }, timeoutMs: 120_000 });
  await (await start()).stop();
  const service = await start();
  return { name, url: `http://127.0.0.1:${port}`, service };
}

async function startDistribution(dir: string): Promise<Target> {
  const port = await freePort();
  const config = join(dir, 'registry.yml');
  await writeFile(config, [
    'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'registry')}`,
    '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`, '',
  ].join('\n'));
  const service = await startService('/usr/bin/docker-registry', ['serve', config], { port });
  return { name: 'distribution', url: `http://127.0.0.1:${port}`, service };
}

/** POST a session, PATCH the blob in chunks, PUT to finish. Returns seconds. */
async function chunkedUpload(target: Target, repo: string, blob: SyntheticBlob): Promise<number> {
  const started = process.hrtime.bigint();
  const post = await http(`${target.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
  if (post.status !== 202) throw new Error(`${target.name}: POST answered ${post.status}`);
  let location = new URL(String(post.headers.location), target.url).toString();
  for (let offset = 0; offset < blob.size; offset += chunkBytes) {
    const end = Math.min(offset + chunkBytes, blob.size);
    const patch = await http(location, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${end - 1}`, 'Content-Length': String(end - offset) },
      body: blob.stream(offset, end),
    });
    if (patch.status !== 202) throw new Error(`${target.name}: PATCH answered ${patch.status}`);
    location = new URL(String(patch.headers.location), target.url).toString();
  }
  const url = new URL(location);
  url.searchParams.set('digest', blob.digest);
  const put = await http(url.toString(), { method: 'PUT', headers: { 'Content-Length': '0' } });
  if (put.status !== 201) throw new Error(`${target.name}: PUT answered ${put.status}`);
  return seconds(started);
}

/**
 * The GET with curl into /dev/null: Node's own HTTP client reads at about 1 GB/s here and capped
 * every server at the same figure, so the GET column measured the client, not the server.
 */
async function download(target: Target, repo: string, blob: SyntheticBlob): Promise<{ total: number; ttfb: number }> {
  const res = await curl(`${target.url}/v2/${repo}/blobs/${blob.digest}`);
  if (res.status !== 200 || res.bytes !== blob.size) throw new Error(`${target.name}: GET answered ${res.status} with ${res.bytes} bytes`);
  return res;
}

interface Samples { up: number[]; down: number[]; ttfb: number[]; upCpu: number[]; downCpu: number[]; idleRss: number }

/** One upload and one GET on `target`, in a new repository (for Berth a new upload); the blob content is the same. */
async function measureOnce(target: Target, blob: SyntheticBlob, run: number, samples: Samples): Promise<void> {
  const pid = target.service.child.pid!;
  let cpu = await processCpuSeconds(pid);
  samples.up.push(await chunkedUpload(target, `bench/run${run}`, blob));
  samples.upCpu.push(await processCpuSeconds(pid) - cpu);
  cpu = await processCpuSeconds(pid);
  const got = await download(target, `bench/run${run}`, blob);
  samples.down.push(got.total);
  samples.ttfb.push(got.ttfb);
  samples.downCpu.push(await processCpuSeconds(pid) - cpu);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  const targets: Target[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    const blob = syntheticBlob(sizeMiB);
    console.log(`blob: ${sizeMiB} MiB, ${runs} runs each, PATCH chunks of ${chunkBytes / 1024 / 1024} MiB, medians`);
    const postgres = await startPostgres();
    stops.push(() => postgres.stop());
    targets.push(
      await startBerthProcess(dir, 'berth-embedded'),
      await startBerthProcess(dir, 'berth-postgres', postgres.url),
      await startDistribution(dir),
    );
    // The servers take turns, run by run, so a slow moment of the shared machine hits all of them alike.
    const samples = new Map<Target, Samples>();
    for (const target of targets) samples.set(target, { up: [], down: [], ttfb: [], upCpu: [], downCpu: [], idleRss: await peakRssMiB(target.service.child.pid!) });
    for (let run = 0; run < runs; run++) {
      for (const target of targets) await measureOnce(target, blob, run, samples.get(target)!);
    }
    const mb = blob.size / 1e6;
    const results = [];
    for (const target of targets) {
      const s = samples.get(target)!;
      results.push({
        name: target.name, upload: mb / median(s.up), download: mb / median(s.down), upCpu: median(s.upCpu), downCpu: median(s.downCpu),
        rss: await peakRssMiB(target.service.child.pid!), idleRss: s.idleRss, upSamples: s.up.map((t) => mb / t), downSamples: s.down.map((t) => mb / t),
        ttfbMs: median(s.ttfb) * 1000,
      });
    }
    const reference = results.find((r) => r.name === 'distribution')!;
    console.log('server          upload MB/s  (ratio)   GET MB/s  (ratio)   peak RSS MiB   server CPU-s upload / GET');
    for (const r of results) {
      console.log(
        `${r.name.padEnd(15)} ${r.upload.toFixed(0).padStart(10)}  (${(r.upload / reference.upload).toFixed(2)}x)  ` +
          `${r.download.toFixed(0).padStart(8)}  (${(r.download / reference.download).toFixed(2)}x)  ${r.rss.toFixed(0).padStart(12)}` +
          `   ${r.upCpu.toFixed(2).padStart(6)} / ${r.downCpu.toFixed(2)}`,
      );
    }
    for (const r of results) {
      console.log(`  ${r.name} samples MB/s: upload [${r.upSamples.map((x) => x.toFixed(0)).join(' ')}], GET [${r.downSamples.map((x) => x.toFixed(0)).join(' ')}]; GET first byte ${r.ttfbMs.toFixed(1)} ms (median)`);
    }
    for (const r of results.filter((x) => x.name.startsWith('berth'))) {
      console.log(`${r.name} peak RSS ${r.rss.toFixed(0)} MiB (idle after start ${r.idleRss.toFixed(0)} MiB): ${r.rss < 200 ? 'under' : 'OVER'} the 200 MB target`);
    }
  } finally {
    for (const target of targets) await target.service.stop();
    for (const stop of stops) await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
