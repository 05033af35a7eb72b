/**
 * Signature policy benchmark. One Berth (the built dist, its own process, embedded, authentication
 * off so every request is checked) with two hosted projects holding the same image: `plain` (no
 * policy) and `signed` (`enforce`, one trusted cosign key, the image signed with it).
 *
 * 1. Cached manifest GET by tag, `wrk`, alternately on both projects in the same run: requests/s and
 *    p99; target signed/plain >= 0.9 (medians).
 * 2. A cold verdict's added latency: a fresh image with 1, 10 and 100 signatures (the trusted one
 *    last, the others from an untrusted key, all OCI 1.1 referrers), the first GET by tag in
 *    `signed` (gathers and verifies every signature) against the first GET of the same image in
 *    `plain`, and the second GET in `signed` (cached verdict).
 *
 * Usage: npm run bench:signatures [-- --runs 3 --wrk-seconds 5 --wrk-connections 32 --cold-runs 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MEDIA, descriptor, manifestDescriptor, ociManifest, randomBlob, randomConfig, type Blob, type ManifestDoc } from '../test/api/content.js';
import { ecKey, enforce, referrerSignature, type TestKey } from '../test/signatures/signature-docs.js';
import { debianTool, median, requirePositiveIntegers, wrk, wrkLoadOf } from './lib.js';
import { MANIFEST_TYPE, startBerthWith } from './pull-through-servers.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'wrk-seconds': { type: 'string', default: '5' },
    'wrk-connections': { type: 'string', default: '32' },
    'cold-runs': { type: 'string', default: '3' },
    signatures: { type: 'string', default: '1,10,100' },
  },
});
const RUNS = Number(values.runs);
const COLD_RUNS = Number(values['cold-runs']);
const COUNTS = values.signatures.split(',').map(Number);
const WRK = wrkLoadOf(values);
requirePositiveIntegers({ runs: RUNS, 'cold-runs': COLD_RUNS, 'wrk-seconds': WRK.seconds, 'wrk-connections': WRK.connections, ...Object.fromEntries(COUNTS.map((n, i) => [`signatures[${i}]`, n])) });
const ACCEPT = { Accept: MANIFEST_TYPE };
const team = ecKey();
const stranger = ecKey();

/** POST then monolithic PUT of a small blob (authentication is off). */
async function pushBlob(base: string, repo: string, blob: Blob): Promise<void> {
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
  await post.arrayBuffer();
  const location = post.headers.get('location');
  if (post.status !== 202 || location === null) throw new Error(`upload POST in ${repo} answered ${post.status}`);
  const url = new URL(location, base);
  url.searchParams.set('digest', blob.digest);
  const put = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
  if (put.status !== 201) throw new Error(`blob PUT of ${blob.digest} in ${repo} answered ${put.status} ${await put.text()}`);
}

async function pushManifest(base: string, repo: string, reference: string, doc: ManifestDoc): Promise<void> {
  const put = await fetch(`${base}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': doc.mediaType }, body: doc.bytes });
  if (put.status !== 201) throw new Error(`manifest PUT ${repo}:${reference} answered ${put.status} ${await put.text()}`);
}

/** A small one-layer image under `repo:tag`; its manifest. */
async function pushImage(base: string, repo: string, tag: string): Promise<ManifestDoc> {
  const config = randomConfig();
  const layer = randomBlob(512);
  for (const blob of [config, layer]) await pushBlob(base, repo, blob);
  const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, layer)] });
  await pushManifest(base, repo, tag, manifest);
  return manifest;
}

async function pushSignature(base: string, repo: string, key: TestKey, subject: ManifestDoc, label: string): Promise<void> {
  const { manifest, blobs } = referrerSignature(key, manifestDescriptor(subject), label);
  for (const blob of blobs) await pushBlob(base, repo, blob);
  await pushManifest(base, repo, manifest.digest, manifest);
}

/** One GET's status and wall time in ms. */
async function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: ACCEPT });
  await response.arrayBuffer();
  return { status: response.status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

function row(label: string, samples: number[], unit: string, digits: number): void {
  const show = (n: number) => n.toFixed(digits);
  console.log(`  ${label.padEnd(34)} ${show(median(samples)).padStart(9)} ${unit.padEnd(6)} [${samples.map(show).join(' ')}]`);
}

async function main(): Promise<void> {
  if ((await debianTool('/usr/bin/wrk', 'wrk')) === undefined) throw new Error('wrk is needed');
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-signatures-'));
  const dataDir = await mkdtemp(join(dir, 'berth-'));
  const berth = await startBerthWith(dataDir, {
    auth: { enabled: false },
    projects: [
      { kind: 'hosted', name: 'plain' },
      { kind: 'hosted', name: 'signed', signaturePolicy: enforce(team) },
    ],
  });
  try {
    // 1. The cached GET by tag.
    const image = await pushImage(berth.url, 'plain/img', 'latest');
    const signed = await pushImage(berth.url, 'signed/img', 'latest');
    await pushSignature(berth.url, 'signed/img', team, signed, 'bench');
    const plainUrl = `${berth.url}/v2/plain/img/manifests/latest`;
    const signedUrl = `${berth.url}/v2/signed/img/manifests/latest`;
    for (const url of [plainUrl, signedUrl]) {
      const warm = await timedGet(url);
      if (warm.status !== 200) throw new Error(`warm-up GET ${url} answered ${warm.status}`);
    }
    console.log(`cached manifest GET by tag (${image.size}-byte manifest), wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s, ${RUNS} runs alternating`);
    const samples = { plain: [] as number[], plainP99: [] as number[], signed: [] as number[], signedP99: [] as number[] };
    let failures = 0;
    for (let run = 0; run < RUNS; run++) {
      const p = await wrk(plainUrl, ACCEPT, WRK, { latency: true });
      const s = await wrk(signedUrl, ACCEPT, WRK, { latency: true });
      samples.plain.push(p.requestsPerSecond);
      samples.plainP99.push(p.p99Ms);
      samples.signed.push(s.requestsPerSecond);
      samples.signedP99.push(s.p99Ms);
      failures += p.failures + s.failures;
    }
    row('no policy: req/s', samples.plain, 'req/s', 0);
    row('no policy: p99', samples.plainP99, 'ms', 2);
    row('enforce, signed: req/s', samples.signed, 'req/s', 0);
    row('enforce, signed: p99', samples.signedP99, 'ms', 2);
    const ratio = median(samples.signed) / median(samples.plain);
    console.log(`  enforce/no policy: ${ratio.toFixed(3)} (target >= 0.9) ${ratio >= 0.9 && failures === 0 ? 'PASS' : 'MISS'}${failures > 0 ? ` (${failures} failed requests)` : ''}`);

    // 2. A cold verdict with n signatures.
    console.log(`\ncold verdict: first GET by tag of a fresh image, ${COLD_RUNS} images per count`);
    for (const count of COUNTS) {
      const added: number[] = [];
      const cached: number[] = [];
      for (let run = 0; run < COLD_RUNS; run++) {
        const repo = `img-${count}-${run}`;
        const pushed = await pushImage(berth.url, `signed/${repo}`, 'v1');
        await pushImage(berth.url, `plain/${repo}`, 'v1');
        for (let i = 0; i < count - 1; i++) await pushSignature(berth.url, `signed/${repo}`, stranger, pushed, `${repo}-${i}`);
        await pushSignature(berth.url, `signed/${repo}`, team, pushed, `${repo}-team`);
        const plain = await timedGet(`${berth.url}/v2/plain/${repo}/manifests/v1`);
        const first = await timedGet(`${berth.url}/v2/signed/${repo}/manifests/v1`);
        const second = await timedGet(`${berth.url}/v2/signed/${repo}/manifests/v1`);
        if (plain.status !== 200 || first.status !== 200 || second.status !== 200) throw new Error(`${repo}: GETs answered ${plain.status}, ${first.status}, ${second.status}`);
        added.push(first.ms - plain.ms);
        cached.push(second.ms);
      }
      row(`${count} signature(s): added by verdict`, added, 'ms', 1);
      row(`${count} signature(s): next GET (cached)`, cached, 'ms', 1);
    }
  } finally {
    await berth.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
