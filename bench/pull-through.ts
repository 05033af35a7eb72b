/**
 * Pull-through benchmark: Berth's proxy project against distribution's pull-through cache (the
 * "peer"), nginx serving the same bytes (the ceiling) and the upstream itself, all started here on
 * loopback in the same run. Measures warm hits, cold misses, 16 clients on one cold blob (upstream
 * fetches, wall time, Berth's RSS) and cached manifest GETs by tag with wrk; prints every sample,
 * the medians, the ratios and PASS/MISS against the targets.
 * Usage: npm run bench:proxy [-- --size-mib 512 --runs 5 --clients 16 --postgres auto|always|never --pages recycled|as-found --only warm,manifest,cold,crowd]
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { DockerRegistryUnderTest } from '../test/harness/docker-registry.js';
import { drainOverTcp, recyclePagesForNextWrite, sha256InMemory, writeFileCpuSeconds } from './node-ceiling.js';
import {
  curl, debianTool, exitedChildrenCpuSeconds, machineBusySeconds, median, pidWithCommandLine, processCpuSeconds, requirePositiveIntegers, rssMB,
  seconds, startNginx, watchPeakRss, writePseudoRandomFile, wrk, wrkLoadOf, type StaticServer,
} from './lib.js';
import {
  MANIFEST_TYPE, REPO, TAG, berthTemplate, pushImage, startColdBerth, startPeer, startUpstream, type BerthProcess, type Upstream,
} from './pull-through-servers.js';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '512' },
    runs: { type: 'string', default: '5' },
    clients: { type: 'string', default: '16' },
    'wrk-seconds': { type: 'string', default: '5' },
    'wrk-connections': { type: 'string', default: '32' },
    postgres: { type: 'string', default: 'auto' },
    // recycled: before each cold GET, a blob-sized file is written and removed, so that every store gets
    // pages just freed, as on a machine without free page reporting; as-found: the VM's pages as they come.
    pages: { type: 'string', default: 'recycled' },
    // A subset of the sections, for iterating on one of them; the note's figures come from a full run.
    only: { type: 'string', default: 'warm,manifest,cold,crowd' },
  },
});
const SECTIONS = new Set(values.only.split(','));
for (const section of SECTIONS) {
  if (!['warm', 'manifest', 'cold', 'crowd'].includes(section)) throw new Error(`--only takes warm, manifest, cold and crowd, not ${section}`);
}
const SIZE = Number(values['size-mib']) * 1024 * 1024;
const RUNS = Number(values.runs);
const CLIENTS = Number(values.clients);
const WRK = wrkLoadOf(values);
requirePositiveIntegers({ 'size-mib': SIZE, runs: RUNS, clients: CLIENTS, 'wrk-seconds': WRK.seconds, 'wrk-connections': WRK.connections });
if (!['auto', 'always', 'never'].includes(values.postgres)) throw new Error('--postgres must be auto, always or never');
if (!['recycled', 'as-found'].includes(values.pages)) throw new Error('--pages must be recycled or as-found');
/** Before a measured cold GET: give its store pages just freed (--pages recycled). */
const conditionPages = (dir: string) => {
  if (values.pages === 'recycled') recyclePagesForNextWrite(dir, SIZE);
};

const ACCEPT = { Accept: MANIFEST_TYPE };

/** Where one server answers for the image: Berth as bench/img, the others as img. */
interface Target {
  name: string;
  blobUrl: string;
  manifestUrl: string;
  /** The image's small config blob (registries only). */
  configUrl?: string;
}

const targetOf = (name: string, url: string, repo: string, digest: string, configDigest: string): Target => ({
  name,
  blobUrl: `${url}/v2/${repo}/blobs/${digest}`,
  manifestUrl: `${url}/v2/${repo}/manifests/${TAG}`,
  configUrl: `${url}/v2/${repo}/blobs/${configDigest}`,
});

// ---- requests -------------------------------------------------------------------------------

async function getBlob(target: Target): Promise<{ mbps: number; ttfb: number; cacheStatus: string }> {
  const res = await curl(target.blobUrl);
  if (res.status !== 200 || res.bytes !== SIZE) throw new Error(`${target.name}: blob GET answered ${res.status} with ${res.bytes} bytes`);
  return { mbps: SIZE / 1e6 / res.total, ttfb: res.ttfb, cacheStatus: res.headers['cache-status'] ?? '-' };
}

/**
 * What a client does before it asks for a layer: the manifest, then the config blob (a cold miss
 * of its own on a cold cache). The layer's cold miss is then measured on a server that has
 * answered requests before, as in production, not on the first request of a new process.
 */
async function getManifestAndConfig(target: Target): Promise<void> {
  await getManifest(target);
  const config = await curl(target.configUrl!);
  if (config.status !== 200) throw new Error(`${target.name}: config blob GET answered ${config.status}`);
}

async function getManifest(target: Target): Promise<string> {
  const res = await curl(target.manifestUrl, { headers: ACCEPT });
  if (res.status !== 200) throw new Error(`${target.name}: manifest GET answered ${res.status}`);
  return res.headers['cache-status'] ?? '-';
}

/**
 * A cold GET and the CPU seconds it cost until the cache has stored the blob (distribution stores
 * it with a second upstream GET of its own that may end after the client's): the cache's process,
 * the upstream's and curl's (every thread, kernel time included), so the work is counted whatever
 * else the shared machine runs.
 */
async function getBlobCounted(
  target: Target, cachePid: number, upstreamPid: number, stored: () => Promise<void>,
): Promise<{ mbps: number; ttfb: number; cacheStatus: string; cpu: number; split: CpuSplit }> {
  const cpu = async (): Promise<CpuSplit> => ({
    cache: await processCpuSeconds(cachePid), upstream: await processCpuSeconds(upstreamPid), client: await exitedChildrenCpuSeconds(),
  });
  const before = await cpu();
  const result = await getBlob(target);
  await stored();
  const after = await cpu();
  const split = { cache: after.cache - before.cache, upstream: after.upstream - before.upstream, client: after.client - before.client };
  return { ...result, cpu: split.cache + split.upstream + split.client, split };
}

/**
 * The bound that the work itself sets, whoever does it: a cache that withholds the last byte until
 * the digest matched and stores the blob during the GET must receive the bytes, hash them, write
 * them to a file and send them, while the upstream sends and curl receives, all on these cores.
 * Each part is measured in this run: the upstream's and curl's CPU in Berth's cold GET, receiving by
 * Node off TCP, sha256 in memory, a file write into pages just freed, and Berth sending the stored
 * blob (sendfile). The peer (distribution) is not bound by it: it neither hashes nor stores while
 * the client's GET runs (it stores with a second upstream GET of its own).
 */
function printWorkBound(
  samples: {
    berth: number[]; peer: number[]; sha256: number[]; berthSplit: CpuSplit[]; berthSendCpu: number[]; receiveCpu: number[]; writeCpu: number[]; freshWriteCpu: number[];
  },
  cores: number,
): void {
  const mb = SIZE / 1e6;
  // The cheapest sample of each part, and the write into pages just freed: the cost of the work
  // itself with the least the machine's state added, so the bound is the most generous the run supports.
  const least = (values: number[]) => Math.min(...values);
  const parts = {
    upstream: least(samples.berthSplit.map((s) => s.upstream)),
    curl: least(samples.berthSplit.map((s) => s.client)),
    receive: least(samples.receiveCpu),
    sha256: mb / Math.max(...samples.sha256),
    write: least(samples.writeCpu),
    send: least(samples.berthSendCpu),
  };
  const work = Object.values(parts).reduce((a, b) => a + b, 0);
  // The hash is one sequential stream: it also caps the rate on its own, however many cores.
  const bound = Math.min(mb / (work / cores), Math.max(...samples.sha256));
  const own = parts.receive + parts.sha256 + parts.write + parts.send;
  const berthCache = least(samples.berthSplit.map((s) => s.cache));
  const list = Object.entries(parts).map(([name, cpu]) => `${name} ${cpu.toFixed(2)}`).join(' + ');
  console.log(`  the work itself (a cache that verifies before the last byte and stores during the GET), cheapest sample of each part: ${list} = ${work.toFixed(2)} core-s;`);
  console.log(`    on ${cores} cores that caps a cold GET at ${bound.toFixed(0)} MB/s: Berth reaches ${(median(samples.berth) / bound).toFixed(2)} of it; the peer's ${median(samples.peer).toFixed(0)} MB/s (it neither hashes nor stores during the GET) is ${median(samples.peer) > bound ? 'beyond' : 'within'} it`);
  console.log(`    Berth's own process: ${berthCache.toFixed(2)} core-s at the least, against the cache's share of that work, ${own.toFixed(2)};`);
  console.log(`    the machine's state: writing the blob into fresh pages cost ${median(samples.freshWriteCpu).toFixed(2)} core-s (median), into pages just freed ${median(samples.writeCpu).toFixed(2)}`);
}

/** The medians of a cold GET's CPU seconds by process, so a change's effect on the cache's own share shows. */
function printSplit(label: string, splits: CpuSplit[]): void {
  const part = (key: keyof CpuSplit) => median(splits.map((s) => s[key])).toFixed(2);
  console.log(`  ${label}: of which the cache ${part('cache')}, the upstream ${part('upstream')}, curl ${part('client')} core-s (medians)`);
}

/** CPU seconds of one cold GET by process: the cache's, the upstream's and curl's. */
interface CpuSplit { cache: number; upstream: number; client: number }

/** `clients` GETs of the blob at once; the wall time until the last one has every byte. */
async function burst(target: Target): Promise<{ wall: number; cacheStatuses: string[] }> {
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: CLIENTS }, () => getBlob(target)));
  return { wall: seconds(started), cacheStatuses: results.map((r) => r.cacheStatus) };
}

/** Berth answers a HEAD from its store (`Berth; hit`) once a fill has been verified and stored. */
async function untilBerthStored(target: Target): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(50)) {
    const head = await curl(target.blobUrl, { method: 'HEAD' });
    if ((head.headers['cache-status'] ?? '').includes('hit')) return;
  }
  throw new Error(`${target.name}: the blob was not stored within 120 s`);
}

/** distribution's proxy renames the blob into its storage once its copy is complete. */
async function untilPeerStored(peer: DockerRegistryUnderTest, digest: string): Promise<void> {
  const hex = digest.slice('sha256:'.length);
  const data = join(peer.dir, 'storage', 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(50)) {
    if (existsSync(data) && statSync(data).size === SIZE) return;
  }
  throw new Error('peer: the blob was not stored within 120 s');
}

const tally = (statuses: string[]): string =>
  Object.entries(statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {}))
    .map(([status, n]) => `${n}× ${status}`).join(', ');


// ---- printing -------------------------------------------------------------------------------

const verdicts: string[] = [];

/** A median with every sample behind it. */
function row(label: string, samples: number[], unit: string, digits = 0): void {
  const show = (n: number) => n.toFixed(digits);
  console.log(`  ${label.padEnd(30)} ${show(median(samples)).padStart(9)} ${unit.padEnd(6)} [${samples.map(show).join(' ')}]`);
}

/** A measured value against its target, printed now and again in the summary. */
function check(target: string, measured: string, pass: boolean): void {
  const line = `  ${(pass ? 'PASS' : 'MISS').padEnd(5)} ${target.padEnd(44)} measured ${measured}`;
  verdicts.push(line);
  console.log(line);
}

const ratio = (a: number[], b: number[]) => median(a) / median(b);

// ---- measurements ---------------------------------------------------------------------------

interface Bench {
  dir: string;
  digest: string;
  upstream: Upstream;
  /** GETs of the big blob, in the upstream's access log. */
  blobPath: RegExp;
  template: string;
  direct: Target;
  nginx?: Target;
  berth(b: BerthProcess): Target;
  peer(p: DockerRegistryUnderTest): Target;
}

/** 1. GET of the cached blob: Berth and the peer (both filled first), nginx, the upstream. */
async function warmHits(bench: Bench, berth: Target, peer: Target): Promise<void> {
  const samples: Record<'berth' | 'peer' | 'nginx' | 'upstream' | 'berthTtfb' | 'nginxTtfb', number[]> = { berth: [], peer: [], nginx: [], upstream: [], berthTtfb: [], nginxTtfb: [] };
  const statuses: string[] = [];
  const before = bench.upstream.count('GET', bench.blobPath);
  for (let run = 0; run < RUNS; run++) {
    const hit = await getBlob(berth);
    statuses.push(hit.cacheStatus);
    samples.berth.push(hit.mbps);
    samples.berthTtfb.push(hit.ttfb * 1000);
    samples.peer.push((await getBlob(peer)).mbps);
    if (bench.nginx !== undefined) {
      const got = await getBlob(bench.nginx);
      samples.nginx.push(got.mbps);
      samples.nginxTtfb.push(got.ttfb * 1000);
    }
    samples.upstream.push((await getBlob(bench.direct)).mbps);
  }
  // Every upstream GET of the blob in this loop should be one of ours, direct: none from Berth or the peer.
  await sleep(200); // the upstream logs a GET once its response is finished
  const proxied = bench.upstream.count('GET', bench.blobPath) - before - RUNS;
  console.log(`\n1. warm hit: GET of the cached ${SIZE / 1024 / 1024} MiB blob (Berth answered ${tally(statuses)}; upstream GETs by Berth and the peer: ${proxied})`);
  row('berth (embedded)', samples.berth, 'MB/s');
  row('peer (distribution proxy)', samples.peer, 'MB/s');
  if (bench.nginx !== undefined) row('nginx (static file, sendfile)', samples.nginx, 'MB/s');
  else console.log('  nginx                          skipped: not installed and not root to install it');
  row('upstream (docker-registry)', samples.upstream, 'MB/s');
  row('berth time to first byte', samples.berthTtfb, 'ms', 1);
  if (bench.nginx !== undefined) row('nginx time to first byte', samples.nginxTtfb, 'ms', 1);
  if (bench.nginx !== undefined) {
    const r = ratio(samples.berth, samples.nginx);
    check('warm hit Berth/nginx >= 0.8', r.toFixed(2), r >= 0.8);
  }
  const r = ratio(samples.berth, samples.peer);
  check('warm hit Berth/peer > 1', r.toFixed(2), r > 1);
}

/** 4. Manifest GET by tag within the tag TTL, with wrk, against the upstream's own and the peer's. */
async function cachedManifests(berth: Target, upstream: Target, peer: Target): Promise<void> {
  const status = await getManifest(berth);
  const samples: Record<string, number[]> = { berth: [], upstream: [], peer: [] };
  const failures: Record<string, number> = { berth: 0, upstream: 0, peer: 0 };
  for (let run = 0; run < RUNS; run++) {
    for (const [key, target] of [['berth', berth], ['upstream', upstream], ['peer', peer]] as const) {
      const result = await wrk(target.manifestUrl, ACCEPT, WRK);
      samples[key]!.push(result.requestsPerSecond);
      failures[key]! += result.failures;
    }
  }
  console.log(`\n4. manifest GET by tag, wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s, Accept: ${MANIFEST_TYPE} (Berth answered ${status})`);
  row(`berth (failed: ${failures.berth})`, samples.berth!, 'req/s');
  row(`upstream (failed: ${failures.upstream})`, samples.upstream!, 'req/s');
  row(`peer (failed: ${failures.peer})`, samples.peer!, 'req/s');
  const r = ratio(samples.berth!, samples.upstream!);
  check('manifest by tag Berth/upstream >= 1', r.toFixed(2), r >= 1 && failures.berth === 0);
  console.log(`  (Berth/peer ${ratio(samples.berth!, samples.peer!).toFixed(2)})`);
}

/** 2. One client, empty cache: Berth and the peer each restarted fresh per run; the upstream direct. */
async function coldMisses(bench: Bench): Promise<void> {
  const samples = {
    berth: [] as number[], berthTtfb: [] as number[], peer: [] as number[], peerTtfb: [] as number[], direct: [] as number[], directTtfb: [] as number[],
    nodeDrain: [] as number[], nodeDrainHash: [] as number[], sha256: [] as number[], berthCpu: [] as number[], peerCpu: [] as number[],
    berthSplit: [] as CpuSplit[], peerSplit: [] as CpuSplit[],
    /** CPU seconds: Berth sending the stored blob (a warm GET), Node reading it off TCP, writing it to a new file. */
    berthSendCpu: [] as number[], receiveCpu: [] as number[], writeCpu: [] as number[], freshWriteCpu: [] as number[],
  };
  const statuses: string[] = [];
  for (let run = 0; run < RUNS; run++) {
    const berth = await startColdBerth(bench.dir, bench.upstream.url, bench.template, false);
    try {
      await getManifestAndConfig(bench.berth(berth));
      conditionPages(bench.dir);
      const miss = await getBlobCounted(bench.berth(berth), berth.pid, bench.upstream.pid, () => untilBerthStored(bench.berth(berth)));
      statuses.push(miss.cacheStatus);
      samples.berth.push(miss.mbps);
      samples.berthCpu.push(miss.cpu);
      samples.berthSplit.push(miss.split);
      samples.berthTtfb.push(miss.ttfb * 1000);
      const sendBefore = await processCpuSeconds(berth.pid);
      await getBlob(bench.berth(berth)); // now stored: what sending it costs Berth
      samples.berthSendCpu.push((await processCpuSeconds(berth.pid)) - sendBefore);
    } finally {
      await berth.stop();
    }
    const peer = await startPeer(bench.upstream.url);
    try {
      await getManifestAndConfig(bench.peer(peer));
      conditionPages(bench.dir);
      const miss = await getBlobCounted(bench.peer(peer), await pidWithCommandLine(peer.dir), bench.upstream.pid, () => untilPeerStored(peer, bench.digest));
      samples.peer.push(miss.mbps);
      samples.peerCpu.push(miss.cpu);
      samples.peerSplit.push(miss.split);
      samples.peerTtfb.push(miss.ttfb * 1000);
    } finally {
      await peer.stop();
    }
    const pull = await getBlob(bench.direct);
    samples.direct.push(pull.mbps);
    samples.directTtfb.push(pull.ttfb * 1000);
    const drain = await drainOverTcp(bench.direct.blobUrl, false);
    samples.nodeDrain.push(drain.mbps);
    samples.receiveCpu.push(drain.cpu);
    samples.nodeDrainHash.push((await drainOverTcp(bench.direct.blobUrl, true)).mbps);
    samples.sha256.push(sha256InMemory(SIZE));
    const write = writeFileCpuSeconds(bench.dir, SIZE);
    samples.freshWriteCpu.push(write.fresh);
    samples.writeCpu.push(write.again);
  }
  console.log(`\n2. cold miss: one GET of the blob, empty cache (Berth answered ${tally(statuses)}; pages ${values.pages === 'recycled' ? 'recycled before each GET' : 'as found'})`);
  row('berth (embedded)', samples.berth, 'MB/s');
  row('peer (distribution proxy)', samples.peer, 'MB/s');
  row('upstream direct', samples.direct, 'MB/s');
  row('node: upstream read off TCP', samples.nodeDrain, 'MB/s');
  row('node: the same + sha256', samples.nodeDrainHash, 'MB/s');
  row('sha256 alone, in memory', samples.sha256, 'MB/s');
  row('berth time to first byte', samples.berthTtfb, 'ms', 1);
  row('peer time to first byte', samples.peerTtfb, 'ms', 1);
  row('upstream time to first byte', samples.directTtfb, 'ms', 1);
  row('berth: CPU of berth+upstream+curl', samples.berthCpu, 'core-s', 2);
  row('peer: CPU of peer+upstream+curl', samples.peerCpu, 'core-s', 2);
  printSplit('berth', samples.berthSplit);
  printSplit('peer', samples.peerSplit);
  const peerRatio = ratio(samples.berth, samples.peer);
  check('cold miss Berth/peer >= 2', peerRatio.toFixed(2), peerRatio >= 2);
  const directRatio = ratio(samples.berth, samples.direct);
  check('cold miss Berth/direct >= 0.7', directRatio.toFixed(2), directRatio >= 0.7);
  check('cold miss Berth/peer >= 1 (issue 21)', peerRatio.toFixed(2), peerRatio >= 1);
  const hashRatio = median(samples.berth) / median(samples.sha256);
  check('cold miss Berth/sha256 alone >= 0.6', hashRatio.toFixed(2), hashRatio >= 0.6);
  const ttfbRatio = ratio(samples.peerTtfb, samples.berthTtfb);
  check('cold first byte peer/Berth >= 2', ttfbRatio.toFixed(2), ttfbRatio >= 2);
  // A cache that verifies before the last byte cannot deliver faster than it can hash.
  const ceiling = median(samples.sha256);
  const needed = Math.max(2 * median(samples.peer), 0.7 * median(samples.direct));
  // Cache, upstream and client share the machine's cores: their CPU seconds alone bound the rate.
  const cores = cpus().length;
  const bound = (cpu: number[]) => SIZE / 1e6 / (median(cpu) / cores);
  console.log(`  on ${cores} cores, the CPU a cold GET costs (cache + upstream + client) caps it at ${bound(samples.berthCpu).toFixed(0)} MB/s for Berth (${(median(samples.berth) / bound(samples.berthCpu)).toFixed(2)} of it reached) and ${bound(samples.peerCpu).toFixed(0)} MB/s for the peer (${(median(samples.peer) / bound(samples.peerCpu)).toFixed(2)}), even with nothing else running`);
  printWorkBound(samples, cores);
  console.log(`  the cold targets ask for ${needed.toFixed(0)} MB/s; sha256 over one stream runs at ${ceiling.toFixed(0)} MB/s here, the ceiling of any cache that withholds the last byte until the digest matched (${(median(samples.berth) / ceiling).toFixed(2)} of it reached)`);
}

interface CrowdSamples {
  coldWall: number[];
  warmWall: number[];
  upstreamGets: number[];
  warmUpstreamGets: number[];
  idleRss: number[];
  peakRss: number[];
  statuses: string[];
  /** Core-seconds the whole machine was busy during each burst (Berth, the upstream, the clients, the kernel). */
  coldCpu: number[];
  warmCpu: number[];
}

/** 3. `CLIENTS` GETs at once on a cold Berth, then again once it is stored; upstream GETs and RSS. */
async function berthCrowd(bench: Bench, onPostgres: boolean): Promise<CrowdSamples> {
  const samples: CrowdSamples = { coldWall: [], warmWall: [], upstreamGets: [], warmUpstreamGets: [], idleRss: [], peakRss: [], statuses: [], coldCpu: [], warmCpu: [] };
  for (let run = 0; run < RUNS; run++) {
    const berth = await startColdBerth(bench.dir, bench.upstream.url, bench.template, onPostgres);
    try {
      const target = bench.berth(berth);
      await getManifestAndConfig(target);
      samples.idleRss.push(await rssMB(berth.pid));
      const rss = await watchPeakRss(berth.pid);
      const before = bench.upstream.count('GET', bench.blobPath);
      const coldCpuBefore = await machineBusySeconds();
      const cold = await burst(target);
      samples.coldCpu.push((await machineBusySeconds()) - coldCpuBefore);
      await untilBerthStored(target);
      samples.peakRss.push(await rss.stop());
      samples.upstreamGets.push(bench.upstream.count('GET', bench.blobPath) - before);
      samples.coldWall.push(cold.wall);
      samples.statuses.push(...cold.cacheStatuses);
      const warmBefore = bench.upstream.count('GET', bench.blobPath);
      const warmCpuBefore = await machineBusySeconds();
      samples.warmWall.push((await burst(target)).wall);
      samples.warmCpu.push((await machineBusySeconds()) - warmCpuBefore);
      samples.warmUpstreamGets.push(bench.upstream.count('GET', bench.blobPath) - warmBefore);
    } finally {
      await berth.stop();
    }
  }
  return samples;
}

async function peerCrowd(bench: Bench): Promise<Pick<CrowdSamples, 'coldWall' | 'warmWall' | 'upstreamGets'>> {
  const samples = { coldWall: [] as number[], warmWall: [] as number[], upstreamGets: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const peer = await startPeer(bench.upstream.url);
    try {
      const target = bench.peer(peer);
      await getManifestAndConfig(target);
      const before = bench.upstream.count('GET', bench.blobPath);
      samples.coldWall.push((await burst(target)).wall);
      await untilPeerStored(peer, bench.digest);
      await sleep(500); // the upstream logs a GET once its response is finished
      samples.upstreamGets.push(bench.upstream.count('GET', bench.blobPath) - before);
      samples.warmWall.push((await burst(target)).wall);
    } finally {
      await peer.stop();
    }
  }
  return samples;
}

function printBerthCrowd(label: string, s: CrowdSamples): void {
  console.log(`  ${label}: the ${CLIENTS} cold answers were ${tally(s.statuses)}`);
  row(`${label} upstream GETs (cold)`, s.upstreamGets, 'GETs');
  row(`${label} upstream GETs (warm)`, s.warmUpstreamGets, 'GETs');
  row(`${label} wall, ${CLIENTS} cold`, s.coldWall, 's', 2);
  row(`${label} wall, ${CLIENTS} warm`, s.warmWall, 's', 2);
  row(`${label} machine CPU busy, cold`, s.coldCpu, 'core-s', 2);
  row(`${label} machine CPU busy, warm`, s.warmCpu, 'core-s', 2);
  row(`${label} RSS idle`, s.idleRss, 'MB');
  row(`${label} peak RSS during`, s.peakRss, 'MB');
  const fetches = Math.max(...s.upstreamGets);
  check(`${label}: 1 upstream GET for ${CLIENTS} clients`, `${fetches} at most`, fetches === 1);
  const wall = ratio(s.coldWall, s.warmWall);
  check(`${label}: wall ${CLIENTS} cold/${CLIENTS} warm <= 1.2`, wall.toFixed(2), wall <= 1.2);
  // The cold burst does the warm one's work plus the fill's (upstream send, receive, sha256, spool
  // writes); on this many cores that extra work alone sets a floor under the ratio.
  const extra = median(s.coldCpu) - median(s.warmCpu);
  const floor = 1 + Math.max(0, extra) / cpus().length / median(s.warmWall);
  console.log(`  ${label}: the cold burst took ${extra.toFixed(2)} core-s more than the warm one; spread perfectly over ${cpus().length} cores that alone makes the ratio at least ${floor.toFixed(2)}`);
  check(`${label}: wall ratio within 0.05 of that floor`, `${wall.toFixed(2)} against ${floor.toFixed(2)}`, wall <= floor + 0.05);
  check(`${label}: peak RSS < 200 MB`, `${median(s.peakRss).toFixed(0)} MB`, median(s.peakRss) < 200);
}

async function crowds(bench: Bench): Promise<void> {
  const embedded = await berthCrowd(bench, false);
  const peer = await peerCrowd(bench);
  const wantPostgres = values.postgres === 'always' || (values.postgres === 'auto' && median(embedded.peakRss) >= 200);
  const postgres = wantPostgres ? await berthCrowd(bench, true) : undefined;
  console.log(`\n3. ${CLIENTS} clients GET one cold blob at once, then ${CLIENTS} again once it is cached`);
  printBerthCrowd('berth embedded', embedded);
  if (postgres !== undefined) printBerthCrowd('berth postgres', postgres);
  else if (values.postgres === 'auto') console.log('  (Berth on Postgres not run: the embedded peak is under 200 MB)');
  row(`peer upstream GETs (cold)`, peer.upstreamGets, 'GETs');
  row(`peer wall, ${CLIENTS} cold`, peer.coldWall, 's', 2);
  row(`peer wall, ${CLIENTS} warm`, peer.warmWall, 's', 2);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-proxy-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    await mkdir(join(dir, 'www'));
    const file = join(dir, 'www', 'blob');
    const digest = await writePseudoRandomFile(file, SIZE);
    console.log(`blob ${digest}, ${SIZE / 1024 / 1024} MiB; medians of ${RUNS} runs, every sample in [ ]; MB = 10^6 bytes`);
    const upstream = await startUpstream(dir);
    stops.push(() => upstream.stop());
    const configDigest = await pushImage(upstream.url, { file, size: SIZE, digest });

    const nginxBinary = await debianTool('/usr/sbin/nginx', 'nginx');
    let nginx: StaticServer | undefined;
    if (nginxBinary !== undefined) {
      await mkdir(join(dir, 'nginx'));
      nginx = await startNginx(nginxBinary, join(dir, 'nginx'), join(dir, 'www'));
      stops.push(() => nginx!.stop());
    }
    const bench: Bench = {
      dir,
      digest,
      upstream,
      blobPath: new RegExp(`/blobs/${digest}$`),
      template: await berthTemplate(dir, upstream.url),
      direct: targetOf('upstream direct', upstream.url, REPO, digest, configDigest),
      ...(nginx === undefined ? {} : { nginx: { name: 'nginx', blobUrl: `${nginx.url}/blob`, manifestUrl: '' } }),
      berth: (b) => targetOf('berth', b.url, `bench/${REPO}`, digest, configDigest),
      peer: (p) => targetOf('peer', p.url, REPO, digest, configDigest),
    };

    if (SECTIONS.has('warm') || SECTIONS.has('manifest')) {
      // 1 and 4 share one Berth and one peer, each filled once before anything is measured.
      const berth = await startColdBerth(dir, upstream.url, bench.template, false);
      stops.push(() => berth.stop());
      const peer = await startPeer(upstream.url);
      stops.push(() => peer.stop());
      for (const target of [bench.berth(berth), bench.peer(peer)]) {
        await getManifest(target);
        await getBlob(target);
      }
      await untilBerthStored(bench.berth(berth));
      await untilPeerStored(peer, digest);
      if (SECTIONS.has('warm')) await warmHits(bench, bench.berth(berth), bench.peer(peer));
      if (!SECTIONS.has('manifest')) console.log('\n4. not run (--only)');
      else if (await debianTool('/usr/bin/wrk', 'wrk')) await cachedManifests(bench.berth(berth), bench.direct, bench.peer(peer));
      else console.log('\n4. skipped: wrk is not installed and we are not root to install it');
      await berth.stop();
      await peer.stop();
    }
    if (SECTIONS.has('cold')) await coldMisses(bench);
    if (SECTIONS.has('crowd')) await crowds(bench);
    console.log('\ntargets');
    for (const line of verdicts) console.log(line);
  } finally {
    // stop() of every server is idempotent; those stopped already return at once.
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
