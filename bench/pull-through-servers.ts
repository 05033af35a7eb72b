/**
 * The servers of the pull-through benchmark (the upstream with a counting access log, Berth as its
 * own process, distribution's proxy) and the image they serve.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { buildDockerRegistryConfig, startDockerRegistry, type DockerRegistryUnderTest } from '../test/harness/docker-registry.js';
import { freePort } from '../test/harness/ports.js';
import { startPostgres } from '../test/harness/postgres.js';
import { startService, type ServiceProcess } from '../test/harness/process.js';
import { http } from './lib.js';

export const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const REPO = 'img';
export const TAG = 'latest';

// ---- servers --------------------------------------------------------------------------------

/** The upstream: docker-registry with its access log on, so every request it serves is counted. */
export interface Upstream {
  url: string;
  pid: number;
  /** Requests so far with this method whose path matches. */
  count(method: string, path: RegExp): number;
  stop(): Promise<void>;
}

export async function startUpstream(dir: string): Promise<Upstream> {
  const port = await freePort();
  const storageDir = join(dir, 'upstream');
  await mkdir(storageDir);
  const config = buildDockerRegistryConfig({ port, storageDir });
  config.log = { level: 'error', formatter: 'text', accesslog: { disabled: false } };
  const file = join(dir, 'upstream.json');
  await writeFile(file, JSON.stringify(config));
  // REGISTRY_* variables would override the file; spawn drops variables set to undefined.
  const env = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('REGISTRY_')).map((k) => [k, undefined]));
  const service = await startService('/usr/bin/docker-registry', ['serve', file], { port, env });
  // The combined access log goes to stdout, one line per request once it has been answered.
  const seen: Array<{ method: string; path: string }> = [];
  let partial = '';
  service.child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = /"([A-Z]+) (\S+) HTTP\/[\d.]+"/.exec(line);
      if (match?.[1] && match[2]) seen.push({ method: match[1], path: match[2] });
    }
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: service.child.pid!,
    count: (method, path) => seen.filter((r) => r.method === method && path.test(r.path)).length,
    stop: () => service.stop(),
  };
}

/** Berth as its own process (the built dist), proxy project `bench` → the upstream. */
export interface BerthProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const BERTH_MAIN = resolve(import.meta.dirname, '../apps/registry/dist/main.js');

/**
 * Berth as its own process on a free loopback port, with `config` (top-level keys) over the bench's
 * defaults: listening address, data dir, log level.
 */
export async function startBerthWith(dataDir: string, config: Record<string, unknown>): Promise<ServiceProcess & { url: string }> {
  const port = await freePort();
  const file = join(dataDir, 'berth.json');
  await writeFile(file, JSON.stringify({ server: { host: '127.0.0.1', port }, dataDir, log: { level: 'warn' }, ...config }));
  // PROFILE_BERTH_INTO=<dir> writes a V8 CPU profile of each Berth process there (for chasing the cold path).
  const profile = process.env.PROFILE_BERTH_INTO;
  const nodeFlags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const service = await startService(process.execPath, [...nodeFlags, BERTH_MAIN, '--config', file], { port, env: { BERTH_CONFIG: '' }, timeoutMs: 120_000 });
  return Object.assign(service, { url: `http://127.0.0.1:${port}` });
}

function startBerthIn(dataDir: string, upstreamUrl: string, databaseUrl?: string): Promise<ServiceProcess & { url: string }> {
  return startBerthWith(dataDir, {
    // Public: clients pull anonymously, as from a cluster mirror (authentication stays on).
    projects: [{ name: 'bench', kind: 'proxy', public: true, upstream: { url: upstreamUrl } }],
    ...(databaseUrl === undefined ? {} : { database: { url: databaseUrl } }),
  });
}

/**
 * An embedded data dir that has been through its first start. Creating the PGlite database costs
 * ~800 MB for a moment; each measured Berth starts on a copy, as a long-running server would.
 */
export async function berthTemplate(dir: string, upstreamUrl: string): Promise<string> {
  const template = join(dir, 'berth-template');
  await mkdir(template);
  await (await startBerthIn(template, upstreamUrl)).stop();
  return template;
}

/** A Berth with an empty cache: a copy of the template, or a fresh Postgres database. */
export async function startColdBerth(dir: string, upstreamUrl: string, template: string, onPostgres: boolean): Promise<BerthProcess> {
  const dataDir = await mkdtemp(join(dir, 'berth-'));
  const postgres = onPostgres ? await startPostgres() : undefined;
  const cleanUp = async () => {
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    if (postgres === undefined) await cp(template, dataDir, { recursive: true });
    const service = await startBerthIn(dataDir, upstreamUrl, postgres?.url);
    return { url: service.url, pid: service.child.pid!, stop: () => service.stop().then(cleanUp) };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

export const startPeer = (upstreamUrl: string): Promise<DockerRegistryUnderTest> =>
  startDockerRegistry({ proxy: { remoteUrl: upstreamUrl }, logLevel: 'error' });

// ---- image ----------------------------------------------------------------------------------

export interface Image {
  file: string;
  size: number;
  digest: string;
}

async function pushBlob(base: string, body: () => Readable, size: number, digest: string): Promise<void> {
  const post = await http(`${base}/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
  if (post.status !== 202) throw new Error(`upstream: upload POST answered ${post.status}`);
  const location = new URL(String(post.headers.location), base);
  location.searchParams.set('digest', digest);
  const put = await http(location.toString(), {
    method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) }, body: body(),
  });
  if (put.status !== 201) throw new Error(`upstream: monolithic PUT of ${digest} answered ${put.status}`);
}

/** One image, tag `latest`: a small config and the big layer, streamed from its file. Returns the config's digest. */
export async function pushImage(base: string, image: Image): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [image.digest] } }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await pushBlob(base, () => Readable.from([config]), config.length, configDigest);
  await pushBlob(base, () => createReadStream(image.file), image.size, image.digest);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: image.digest, size: image.size }],
  });
  const put = await http(`${base}/v2/${REPO}/manifests/${TAG}`, {
    method: 'PUT', headers: { 'Content-Type': MANIFEST_TYPE, 'Content-Length': String(Buffer.byteLength(manifest)) }, body: Readable.from([manifest]),
  });
  if (put.status !== 201) throw new Error(`upstream: manifest PUT answered ${put.status}`);
  return configDigest;
}
