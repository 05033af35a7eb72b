/**
 * Referrers benchmark: the merged referrers answer of a proxy project (referrers pushed to Berth,
 * from its database, merged with the upstream's cached list) against the cached manifest GET by tag
 * on the same Berth, with wrk: requests/s and p99 latency, every sample and the medians, and
 * PASS/MISS for referrers/manifest req/s >= 0.8. The upstream is a second Berth, all on loopback.
 * Usage: npm run bench:referrers [-- --runs 5 --referrers 100 --wrk-seconds 5 --wrk-connections 32 --redis]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startRedis, type TestRedis } from '../test/harness/redis.js';
import { curl, debianTool, median, requirePositiveIntegers, wrk, wrkLoadOf } from './lib.js';
import { MANIFEST_TYPE, REPO, TAG } from './pull-through-servers.js';
import { ARTIFACT_TYPES, BENCH_REPO, pushReferrers, pushSubjectImage, pushToken, startBerthUnderTest, startUpstreamBerth } from './referrers-servers.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    referrers: { type: 'string', default: '100' },
    'wrk-seconds': { type: 'string', default: '5' },
    'wrk-connections': { type: 'string', default: '32' },
    // The referrers cache on a Redis started here instead of in Berth's memory.
    redis: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
/** Referrers on each side: pushed to the upstream, and pushed into Berth's proxy project. */
const REFERRERS = Number(values.referrers);
const WRK = wrkLoadOf(values);
requirePositiveIntegers({ runs: RUNS, referrers: REFERRERS, 'wrk-seconds': WRK.seconds, 'wrk-connections': WRK.connections });
const ACCEPT = { Accept: MANIFEST_TYPE };

interface Listing {
  digests: string[];
  artifactTypes: Set<string | undefined>;
  pages: number;
  bytes: number;
}

/** Every referrer the answer lists, following `Link: <...>; rel="next"` pages. */
async function listAll(url: string): Promise<Listing> {
  const listing: Listing = { digests: [], artifactTypes: new Set(), pages: 0, bytes: 0 };
  for (let next: string | undefined = url; next !== undefined; listing.pages++) {
    const response = await fetch(next);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`referrers GET ${next} answered ${response.status} ${body.slice(0, 300)}`);
    listing.bytes += Buffer.byteLength(body);
    const index = JSON.parse(body) as { manifests: Array<{ digest: string; artifactType?: string }> };
    for (const m of index.manifests) {
      listing.digests.push(m.digest);
      listing.artifactTypes.add(m.artifactType);
    }
    const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    next = link === undefined ? undefined : new URL(link, url).toString();
  }
  return listing;
}

/** The answer must list exactly the referrers pushed on both sides, each once. */
function checkListing(listing: Listing, expected: string[]): void {
  const want = new Set(expected);
  const got = new Set(listing.digests);
  const missing = expected.filter((d) => !got.has(d)).length;
  const extra = listing.digests.filter((d) => !want.has(d)).length;
  if (listing.digests.length !== expected.length || missing > 0 || extra > 0) {
    throw new Error(`referrers: ${listing.digests.length} descriptors (${got.size} distinct, ${missing} missing, ${extra} unexpected), want ${expected.length}`);
  }
  const types = [...listing.artifactTypes];
  if (types.length !== ARTIFACT_TYPES.length || !types.every((t) => t !== undefined && ARTIFACT_TYPES.includes(t))) {
    throw new Error(`referrers: artifactTypes ${types.join(', ')}, want ${ARTIFACT_TYPES.join(', ')}`);
  }
}

/** A GET that must be answered from Berth's cache; its Cache-Status. */
async function cachedGet(what: string, url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await curl(url, { headers });
  const status = res.headers['cache-status'] ?? '-';
  if (res.status !== 200 || !status.startsWith('Berth; hit')) throw new Error(`${what}: second GET answered ${res.status}, Cache-Status ${status}`);
  return status;
}

/** How many lists the Redis referrers cache holds (the hash of values under the default key prefix). */
async function redisCachedLists(redis: TestRedis): Promise<number> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(redis.port), 'HLEN', 'berth:rc:values']);
  return Number(stdout.trim());
}

function row(label: string, samples: number[], unit: string, digits: number): void {
  const show = (n: number) => n.toFixed(digits);
  console.log(`  ${label.padEnd(30)} ${show(median(samples)).padStart(9)} ${unit.padEnd(6)} [${samples.map(show).join(' ')}]`);
}

async function main(): Promise<void> {
  if ((await debianTool('/usr/bin/wrk', 'wrk')) === undefined) throw new Error('wrk is needed');
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-referrers-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const upstream = await startUpstreamBerth(dir);
    stops.push(() => upstream.stop());
    const subject = await pushSubjectImage(upstream.url);
    const upstreamDigests = await pushReferrers(upstream.url, REPO, subject, REFERRERS, 'upstream');
    const redis = values.redis ? await startRedis() : undefined;
    if (redis !== undefined) stops.push(() => redis.stop());
    const berth = await startBerthUnderTest(dir, upstream.url, redis?.url);
    stops.push(() => berth.stop());
    const localDigests = await pushReferrers(berth.url, BENCH_REPO, subject, REFERRERS, 'local', await pushToken(berth.url, BENCH_REPO));

    const referrersUrl = `${berth.url}/v2/${BENCH_REPO}/referrers/${subject.digest}`;
    const manifestUrl = `${berth.url}/v2/${BENCH_REPO}/manifests/${TAG}`;
    // Warm both caches (anonymously: the project is public), then check what is served from them.
    const warmReferrers = await curl(referrersUrl);
    const warmManifest = await curl(manifestUrl, { headers: ACCEPT });
    if (warmReferrers.status !== 200 || warmManifest.status !== 200) throw new Error(`warm-up GETs answered ${warmReferrers.status} and ${warmManifest.status}`);
    const listing = await listAll(referrersUrl);
    checkListing(listing, [...localDigests, ...upstreamDigests]);
    const referrersStatus = await cachedGet('referrers', referrersUrl);
    const manifestStatus = await cachedGet('manifest by tag', manifestUrl, ACCEPT);

    console.log(`subject ${BENCH_REPO}@${subject.digest}: ${REFERRERS} referrers upstream + ${REFERRERS} pushed to Berth; referrers cache in ${redis === undefined ? 'process memory' : 'Redis'}`);
    console.log(`  warm-up: referrers ${warmReferrers.headers['cache-status'] ?? '-'}, manifest ${warmManifest.headers['cache-status'] ?? '-'}`);
    console.log(`  referrers answer: ${listing.digests.length} descriptors in ${listing.pages} page(s), ${listing.bytes} bytes; then Cache-Status: ${referrersStatus}`);
    console.log(`  manifest by tag: ${warmManifest.bytes} bytes; then Cache-Status: ${manifestStatus}`);
    if (redis !== undefined) console.log(`  Redis referrers cache: ${await redisCachedLists(redis)} list(s) cached`);

    const samples = { referrers: [] as number[], referrersP99: [] as number[], manifest: [] as number[], manifestP99: [] as number[] };
    const failures = { referrers: 0, manifest: 0 };
    for (let run = 0; run < RUNS; run++) {
      const r = await wrk(referrersUrl, {}, WRK, { latency: true });
      samples.referrers.push(r.requestsPerSecond);
      samples.referrersP99.push(r.p99Ms);
      failures.referrers += r.failures;
      const m = await wrk(manifestUrl, ACCEPT, WRK, { latency: true });
      samples.manifest.push(m.requestsPerSecond);
      samples.manifestP99.push(m.p99Ms);
      failures.manifest += m.failures;
    }
    const after = await curl(referrersUrl);

    console.log(`\nwrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s --latency, medians of ${RUNS} runs, every sample in [ ]`);
    row(`referrers (failed: ${failures.referrers})`, samples.referrers, 'req/s', 0);
    row('referrers p99', samples.referrersP99, 'ms', 2);
    row(`manifest by tag (failed: ${failures.manifest})`, samples.manifest, 'req/s', 0);
    row('manifest by tag p99', samples.manifestP99, 'ms', 2);
    console.log(`  (referrers Cache-Status after the runs: ${after.headers['cache-status'] ?? '-'})`);
    const ratio = median(samples.referrers) / median(samples.manifest);
    const pass = ratio >= 0.8 && failures.referrers === 0 && failures.manifest === 0;
    console.log(`  ${pass ? 'PASS' : 'MISS'}  referrers/manifest req/s >= 0.8  measured ${ratio.toFixed(2)}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
