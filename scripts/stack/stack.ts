import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/harness/ports.js';
import { startPostgres } from '../../test/harness/postgres.js';
import { startRedis } from '../../test/harness/redis.js';
import { startS3 } from '../../test/harness/s3.js';
import { BerthProcess, type StackCommand } from './berth-process.js';

// The production topology as plain processes: Postgres, Redis and an S3 service shared by two
// registry replicas and one worker, each Berth program its own child process. The backing services
// come from the test harness: a fresh database in the machine's PostgreSQL 15 cluster, a throwaway
// redis-server, and s3rver running inside this process.

export interface StackOptions {
  /** Run the built apps (`dist`, the default: `npm run build` first) or their sources (`tsx`). */
  command?: StackCommand;
  /** Registry replicas (default 2). */
  registries?: number;
  /** Projects declared in every process's configuration (e.g. a proxy project). */
  projects?: Array<Record<string, unknown>>;
  /** Settings laid over the generated configuration of every process (sections are merged, other keys replace). */
  config?: Record<string, unknown>;
  /** Registries on basePort, basePort+1, ..., the worker after them; free ports when absent. */
  basePort?: number;
  /** server.shutdownGraceSeconds of every process (default 15). */
  shutdownGraceSeconds?: number;
  /** log.level of every process (default info). */
  logLevel?: string;
  /** How long each process may take to answer HTTP after it was spawned (default 90 s). */
  readyTimeoutMs?: number;
  /** Keep the stack's directory (logs, configuration, spool) after stop(). */
  keepDir?: boolean;
}

export interface StackS3 {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Stack {
  /** The stack's temp directory: `logs/`, and per process its config file and data dir. */
  dir: string;
  registries: BerthProcess[];
  worker: BerthProcess;
  postgresUrl: string;
  redisUrl: string;
  s3: StackS3;
  /** The log file of every Berth process. */
  logFiles: string[];
  /** Stop every process (SIGTERM, SIGKILL after the grace period), then the services; idempotent. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-stack-'));
  const cleanups: Array<() => Promise<unknown>> = options.keepDir === true ? [] : [() => rm(dir, { recursive: true, force: true })];
  const processes: BerthProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(processes.map((process) => process.stop('SIGTERM')));
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    })());
  try {
    const [postgres, redis, s3] = await Promise.all([startPostgres(), startRedis(), startS3()]);
    cleanups.push(() => postgres.stop(), () => redis.stop(), () => s3.stop());
    await mkdir(join(dir, 'logs'));
    const grace = options.shutdownGraceSeconds ?? 15;
    const shared: Record<string, unknown> = {
      server: { host: '127.0.0.1', shutdownGraceSeconds: grace },
      database: { url: postgres.url },
      redis: { url: redis.url },
      storage: {
        driver: 's3',
        s3: { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      },
      // Every replica must seal and open upstream credentials with the same key.
      secrets: { key: randomBytes(32).toString('base64') },
      // Loopback only; a stack for trying Berth out and for tests.
      auth: { enabled: false },
      autoCreateProjects: true,
      projects: options.projects ?? [],
      log: { level: options.logLevel ?? 'info' },
    };
    // Sections given in options.config are merged into the generated ones (redis: { fillLockTtlSeconds } keeps the url).
    for (const [key, value] of Object.entries(options.config ?? {})) {
      const current = shared[key];
      shared[key] = isSection(value) && isSection(current) ? { ...current, ...value } : value;
    }
    const count = options.registries ?? 2;
    const ports = await allocatePorts(count + 1, options.basePort);
    const define = async (name: string, program: 'registry' | 'worker', port: number): Promise<BerthProcess> => {
      const home = join(dir, name);
      const dataDir = join(home, 'data');
      await mkdir(dataDir, { recursive: true });
      const server = { ...(shared.server as Record<string, unknown>), ...(program === 'registry' ? { port } : {}) };
      const jobs = program === 'worker' ? { jobs: { ...(shared.jobs as Record<string, unknown> | undefined), workerPort: port } } : {};
      const configFile = join(home, 'berth.json');
      // JSON is valid YAML: the configuration loader reads it like any config file.
      await writeFile(configFile, JSON.stringify({ ...shared, server, dataDir, ...jobs }, null, 2));
      const berth = new BerthProcess({
        name,
        program,
        command: options.command ?? 'dist',
        configFile,
        logFile: join(dir, 'logs', `${name}.log`),
        url: `http://127.0.0.1:${port}`,
        dataDir,
        readyPath: program === 'registry' ? '/v2/' : '/healthz',
        ...(program === 'worker' ? { readyStatus: 200 } : {}),
        readyTimeoutMs: options.readyTimeoutMs ?? 90_000,
        killAfterMs: (grace + 5) * 1000,
      });
      processes.push(berth);
      return berth;
    };
    const registries: BerthProcess[] = [];
    for (let i = 0; i < count; i += 1) registries.push(await define(`registry-${i + 1}`, 'registry', ports[i]!));
    const worker = await define('worker', 'worker', ports[count]!);
    // All at once, as an orchestrator starts replicas (migrations serialize on an advisory lock).
    const started = await Promise.allSettled(processes.map((berth) => berth.start()));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const s3Info: StackS3 = { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    return { dir, registries, worker, postgresUrl: postgres.url, redisUrl: redis.url, s3: s3Info, logFiles: processes.map((p) => p.logFile), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function allocatePorts(count: number, basePort: number | undefined): Promise<number[]> {
  if (basePort !== undefined) return Array.from({ length: count }, (_, i) => basePort + i);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
