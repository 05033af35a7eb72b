import { execFile } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { freePort } from '../test/harness/ports.js';
import { startService } from '../test/harness/process.js';

const run = promisify(execFile);

/** A large blob made of one random 1 MiB block repeated: cheap to generate, hashed once. */
export interface SyntheticBlob {
  size: number;
  digest: string;
  /** A fresh stream of the blob's bytes, optionally only bytes [start, end). */
  stream(start?: number, end?: number): Readable;
}

export function syntheticBlob(sizeMiB: number): SyntheticBlob {
  const block = randomBytes(1024 * 1024);
  const size = sizeMiB * block.length;
  const hash = createHash('sha256');
  for (let i = 0; i < sizeMiB; i++) hash.update(block);
  return {
    size,
    digest: `sha256:${hash.digest('hex')}`,
    stream(start = 0, end = size) {
      let offset = start;
      return new Readable({
        read() {
          if (offset >= end) return void this.push(null);
          const inBlock = offset % block.length;
          const length = Math.min(block.length - inBlock, end - offset);
          offset += length;
          this.push(block.subarray(inBlock, inBlock + length));
        },
      });
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
}

/** One HTTP request on loopback; the response body is counted and dropped. */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Readable } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body) options.body.pipe(req);
    else req.end();
  });
}

/** Peak resident set size of a process so far (VmHWM), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match?.[1]) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) / 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function seconds(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}

/**
 * Write `size` deterministic pseudo-random bytes (an AES-256-CTR keystream keyed by `seed`) to
 * `path`, 1 MiB at a time, hashing as it goes. Returns the sha256 digest. Unlike syntheticBlob the
 * bytes never repeat, so nothing downstream can compress or deduplicate them.
 */
export async function writePseudoRandomFile(path: string, size: number, seed = 'berth-bench'): Promise<string> {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(1024 * 1024);
  const hash = createHash('sha256');
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let written = 0; written < size; written += zeros.length) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(zeros.length, size - written)));
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  return `sha256:${hash.digest('hex')}`;
}

export interface CurlResult {
  status: number;
  bytes: number;
  /** Seconds until the first response byte (curl's time_starttransfer). */
  ttfb: number;
  /** Seconds until the last byte. */
  total: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
}

/**
 * One request with curl, body to /dev/null. curl rather than a Node client so the client costs
 * the same little CPU against every server (Node's own reader would cap the faster ones).
 */
export function curl(url: string, options: { method?: 'GET' | 'HEAD'; headers?: Record<string, string> } = {}): Promise<CurlResult> {
  const args = ['-sS', '-o', '/dev/null', '-D', '-', '-w', '\n%{http_code} %{size_download} %{time_starttransfer} %{time_total}'];
  if (options.method === 'HEAD') args.push('-I');
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`curl ${url}: ${stderr || error.message}`));
      const lines = stdout.trimEnd().split(/\r?\n/);
      const [status, bytes, ttfb, total] = (lines.pop() ?? '').split(' ').map(Number);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: status ?? 0, bytes: bytes ?? 0, ttfb: ttfb ?? 0, total: total ?? 0, headers });
    });
  });
}

export interface WrkResult {
  requestsPerSecond: number;
  /** Responses that were not 2xx/3xx, and socket errors (connect, read, write, timeout). */
  failures: number;
}

type WrkLoad = { threads: number; connections: number; seconds: number };

/** The wrk load the benches' `--wrk-seconds` and `--wrk-connections` options ask for (2 threads). */
export function wrkLoadOf(values: { 'wrk-seconds': string; 'wrk-connections': string }): WrkLoad {
  return { threads: 2, connections: Number(values['wrk-connections']), seconds: Number(values['wrk-seconds']) };
}

/** Throw naming the option unless each value is a positive integer (the benches' numeric options). */
export function requirePositiveIntegers(options: Record<string, number>): void {
  for (const [option, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${option} must be a positive integer`);
  }
}

/**
 * One wrk run against `url` (GET), e.g. { threads: 2, connections: 32, seconds: 5 }. With
 * `{ latency: true }` wrk runs with --latency and the 99th percentile latency (ms) is returned too.
 */
export function wrk(url: string, headers: Record<string, string>, load: WrkLoad, options: { latency: true }): Promise<WrkResult & { p99Ms: number }>;
export function wrk(url: string, headers: Record<string, string>, load: WrkLoad, options?: { latency?: boolean }): Promise<WrkResult>;
export function wrk(url: string, headers: Record<string, string>, load: WrkLoad, options: { latency?: boolean } = {}): Promise<WrkResult & { p99Ms?: number }> {
  const args = [`-t${load.threads}`, `-c${load.connections}`, `-d${load.seconds}s`];
  if (options.latency === true) args.push('--latency');
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`wrk ${url}: ${stderr || error.message}`));
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      if (!rps?.[1]) return reject(new Error(`wrk ${url}: no Requests/sec in\n${stdout}`));
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
      const result = { requestsPerSecond: Number(rps[1]), failures: non2xx + socketErrors };
      if (options.latency !== true) return resolve(result);
      const p99Ms = wrkDurationMs(/Latency Distribution[\s\S]*?\s99%\s+([\d.]+[a-z]+)/.exec(stdout)?.[1]);
      if (p99Ms === undefined) return reject(new Error(`wrk ${url}: no 99% line in the latency distribution\n${stdout}`));
      resolve({ ...result, p99Ms });
    });
  });
}

const WRK_UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** A duration as wrk prints it (`635.91us`, `1.20ms`, `2.00s`, `1.50m`) in ms. */
function wrkDurationMs(text: string | undefined): number | undefined {
  const match = /^([\d.]+)([a-z]+)$/.exec(text ?? '');
  const unit = match?.[2] === undefined ? undefined : WRK_UNIT_MS[match[2]];
  return match?.[1] === undefined || unit === undefined ? undefined : Number(match[1]) * unit;
}

async function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (!match?.[1]) throw new Error(`no ${field} for pid ${pid}`);
  return (Number(match[1]) * 1024) / 1e6;
}

/** Resident set size of a process now, in MB (10^6 bytes). */
export function rssMB(pid: number): Promise<number> {
  return statusField(pid, 'VmRSS');
}

/**
 * Watch a process's peak RSS (MB) from now on: resets the kernel's high-water mark (clear_refs 5,
 * needs to own the process or root) so a startup peak does not count, and samples VmRSS as well in
 * case the reset is refused.
 */
export async function watchPeakRss(pid: number, intervalMs = 20): Promise<{ stop(): Promise<number> }> {
  const reset = await writeFile(`/proc/${pid}/clear_refs`, '5').then(() => true, () => false);
  let sampled = await rssMB(pid);
  const timer = setInterval(() => {
    rssMB(pid).then((mb) => { sampled = Math.max(sampled, mb); }, () => undefined);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const last = await rssMB(pid);
      return Math.max(sampled, last, reset ? await statusField(pid, 'VmHWM') : 0);
    },
  };
}

/**
 * The path of a Debian tool, installing its package with apt-get when it is missing and we are
 * root; undefined (with the reason printed) when it cannot be had.
 */
export async function debianTool(path: string, pkg: string): Promise<string | undefined> {
  if (existsSync(path)) return path;
  if (process.getuid?.() !== 0) {
    console.log(`${path} is missing and we are not root to \`apt-get install ${pkg}\`: skipping what needs it`);
    return undefined;
  }
  console.log(`${path} is missing: apt-get install -y ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', pkg], { env });
  await install().catch(async () => { await run('apt-get', ['update'], { env }); await install(); }).catch((error: unknown) => {
    console.log(`apt-get install ${pkg} failed: ${String(error)}`);
  });
  return existsSync(path) ? path : undefined;
}

export interface StaticServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx serving the files of `root` (the ceiling for a static GET), with its own config, pid file,
 * logs and temp paths under `dir`, in the foreground so stop() ends it.
 */
export async function startNginx(binary: string, dir: string, root: string): Promise<StaticServer> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, 'tmp', kind)};`);
  await writeFile(conf, [
    'daemon off;',
    // As root, workers would drop to `nobody`, who cannot enter our 0700 temp dirs.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'worker_processes auto;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    ...temp,
    '  sendfile on;',
    '  tcp_nopush on;',
    '  default_type application/octet-stream;',
    `  server { listen 127.0.0.1:${port}; root ${root}; }`,
    '}',
    '',
  ].join('\n'));
  const service = await startService(binary, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { port });
  return { url: `http://127.0.0.1:${port}`, stop: () => service.stop() };
}

/**
 * Core-seconds the whole machine has spent busy (user, system, interrupts, steal) since boot, from
 * /proc/stat: the difference over a phase is all the work done in it, every process counted.
 */
export async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds (user + system, every thread) process `pid` has used so far, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
}

/** CPU seconds of this process's children that have exited and been waited for (the curl clients). */
export async function exitedChildrenCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime
}

/** The pid of the one running process whose command line contains `fragment`. */
export async function pidWithCommandLine(fragment: string): Promise<number> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(fragment)) found.push(Number(entry));
  }
  if (found.length !== 1) throw new Error(`expected one process running with "${fragment}", found ${found.length}`);
  return found[0]!;
}
