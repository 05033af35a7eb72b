// Temporary profiling driver (not committed): referrers wrk alone, with Berth's CPU use sampled.
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curl, wrk } from './lib.js';
import { REPO } from './pull-through-servers.js';
import { BENCH_REPO, pushReferrers, pushSubjectImage, pushToken, startBerthUnderTest, startUpstreamBerth } from './referrers-servers.js';

const cpuTicks = async (pid: number) => { const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' '); return Number(f[11]) + Number(f[12]); };
const dir = await mkdtemp(join(tmpdir(), 'berth-prof-'));
const upstream = await startUpstreamBerth(dir);
const prof = process.env.PROFILE_BERTH_INTO; delete process.env.PROFILE_BERTH_INTO;
const subject = await pushSubjectImage(upstream.url);
await pushReferrers(upstream.url, REPO, subject, 100, 'upstream');
if (prof !== undefined) process.env.PROFILE_BERTH_INTO = prof;
const berth = await startBerthUnderTest(dir, upstream.url);
await pushReferrers(berth.url, BENCH_REPO, subject, Number(process.env.LOCAL ?? 100), 'local', await pushToken(berth.url, BENCH_REPO));
const url = `${berth.url}/v2/${BENCH_REPO}/referrers/${subject.digest}`;
const murl = `${berth.url}/v2/${BENCH_REPO}/manifests/latest`;
console.log((await curl(url)).headers['cache-status'], (await curl(murl, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).headers['cache-status']);
const target = process.env.TARGET === 'manifest' ? murl : url;
const t0 = await cpuTicks(berth.pid); const w0 = Date.now();
const r = await wrk(target, { Accept: 'application/vnd.oci.image.manifest.v1+json' }, { threads: 2, connections: 32, seconds: 10 }, { latency: true });
const t1 = await cpuTicks(berth.pid);
console.log(process.env.TARGET ?? 'referrers', r, `berth CPU ${(((t1 - t0) / 100) / ((Date.now() - w0) / 1000) * 100).toFixed(0)}% of one core`);
await berth.stop(); await upstream.stop(); await rm(dir, { recursive: true, force: true });
