import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@berth/config';
import type { BerthConfig } from '@berth/config';
import { commandText, composeConfig, envExample, environmentOf, filledEnvExample, mountsOf, parseComposeConfig } from './compose-file.js';
import type { ComposeConfig, ComposeService } from './compose-file.js';
import { appEntry, readRepoFile, repoRoot } from './workspaces.js';

// docker-compose.yml checked with Debian's docker-compose 1.29 (`config` needs no Docker engine) and
// against Berth's configuration schema.
const BERTH_SERVICES = ['registry', 'worker'];
const HEALTH_CHECKED = ['registry', 'worker', 'postgres', 'redis', 'minio'];

let compose: ComposeConfig;
let cwd: string;

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** Problems of loading Berth's configuration with just this variable set that name the variable itself as unknown. */
function unknownVariableProblems(name: string, value: string): string[] {
  try {
    loadConfig({ argv: [], env: { [name]: value }, cwd });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // An unknown variable (or one naming a section or a list item) is reported at its own name.
    return error.problems.filter((problem) => problem.path === name).map((problem) => `${name}: ${problem.message}`);
  }
}

/** Berth's configuration as a service in the compose file gets it: its environment plus the mounted config file. */
function serviceConfig(name: string): BerthConfig {
  const env = Object.fromEntries(environmentOf(service(name)));
  const file = env.BERTH_CONFIG;
  if (file !== undefined) {
    const mount = mountsOf(service(name)).find((candidate) => candidate.target === file);
    if (mount === undefined || !mount.bind) throw new Error(`${name}: BERTH_CONFIG=${file} is not a file mounted from the repository`);
    env.BERTH_CONFIG = mount.source;
  }
  return loadConfig({ argv: [], env, cwd });
}

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'berth-compose-config-'));
  const run = composeConfig(filledEnvExample());
  if (run.status !== 0) throw new Error(`docker-compose config exited with ${run.status}:\n${run.stderr}`);
  compose = parseComposeConfig(run.stdout);
});

afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

describe('docker-compose.yml', () => {
  it('has the registry, the worker, their backends, the bucket set-up and a load balancer', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lb', 'minio', 'minio-init', 'postgres', 'redis', 'registry', 'worker']);
  });

  it('refuses to start while any secret of .env.example is still empty', () => {
    const empty = [...envExample()].filter(([, value]) => value === '').map(([name]) => name);
    expect(empty).toEqual(expect.arrayContaining(['BERTH_ADMIN_PASSWORD', 'BERTH_SECRETS__KEY']));
    for (const name of empty) {
      const values = filledEnvExample();
      values.set(name, '');
      const run = composeConfig(values);
      expect({ name, status: run.status, namesIt: run.stderr.includes(`set ${name} in .env`) }).toEqual({ name, status: 1, namesIt: true });
    }
  });

  it('runs two registry replicas behind nginx and one worker, all from the image built here', () => {
    const registry = service('registry');
    expect(registry.deploy?.replicas ?? registry.scale).toBe(2);
    expect(service('worker').deploy?.replicas ?? service('worker').scale ?? 1).toBe(1);
    for (const name of BERTH_SERVICES) expect(service(name).build).toMatchObject({ context: repoRoot.replace(/\/$/, '') });
    expect(commandText(registry.command)).toBe(`node ${appEntry('apps/registry')}`);
    expect(commandText(service('worker').command)).toBe(`node ${appEntry('apps/worker')}`);
    // nginx reaches the replicas by the service name, on the port Berth listens on.
    const nginx = mountsOf(service('lb')).find((mount) => mount.target.startsWith('/etc/nginx/'));
    expect(nginx?.bind).toBe(true);
    expect(readRepoFile('deploy/nginx.conf')).toContain(`http://registry:${serviceConfig('registry').server.port}`);
  });

  it('gives every long-running service a health check; Berth\'s on its own endpoints', () => {
    for (const name of HEALTH_CHECKED) {
      const check = service(name).healthcheck;
      expect({ name, test: commandText(check?.test), disabled: check?.disable ?? false }).toEqual({ name, test: expect.stringMatching(/^CMD(-SHELL)? \S/), disabled: false });
    }
    expect(commandText(service('registry').healthcheck?.test)).toContain(`:${serviceConfig('registry').server.port}/readyz`);
    expect(commandText(service('worker').healthcheck?.test)).toContain(`:${serviceConfig('worker').jobs.workerPort}/healthz`);
  });

  it('gives the Berth processes time to finish in-flight work when stopped', () => {
    for (const name of BERTH_SERVICES) {
      const period = /^(\d+)(s|m)$/.exec(service(name).stop_grace_period ?? '');
      const seconds = period === null ? 10 : Number(period[1]) * (period[2] === 'm' ? 60 : 1); // compose's default: 10 s
      const grace = serviceConfig(name).server.shutdownGraceSeconds;
      expect({ name, seconds, longerThanGrace: seconds > grace }).toEqual({ name, seconds, longerThanGrace: true });
    }
  });

  it('keeps Redis from evicting keys (BullMQ lives there) and persistent', () => {
    const command = commandText(service('redis').command);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(command).toMatch(/--appendonly yes\b/);
  });

  it('starts Berth once PostgreSQL and Redis are healthy and the bucket exists', () => {
    for (const name of BERTH_SERVICES) {
      expect(service(name).depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        'minio-init': { condition: 'service_completed_successfully' },
      });
    }
    expect(service('minio-init').depends_on).toMatchObject({ minio: { condition: 'service_healthy' } });
  });

  it('keeps data in declared volumes and mounts only files of the repository', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const name of ['postgres', 'redis', 'minio']) {
      expect(mountsOf(service(name)).some((mount) => !mount.bind)).toBe(true);
    }
    for (const [name, spec] of Object.entries(compose.services)) {
      for (const mount of mountsOf(spec)) {
        if (mount.bind) expect({ name, source: mount.source, exists: existsSync(mount.source) }).toEqual({ name, source: mount.source, exists: true });
        else expect(declared).toContain(mount.source);
      }
    }
  });

  it('sets only BERTH_ variables that name a configuration setting', () => {
    const names = Object.values(compose.services).flatMap((spec) => [...environmentOf(spec)]).filter(([name]) => name.startsWith('BERTH_'));
    expect(names.length).toBeGreaterThan(0);
    for (const [name, value] of names) {
      if (name === 'BERTH_CONFIG') continue; // names the file, checked below
      expect(unknownVariableProblems(name, value)).toEqual([]);
    }
    // The check itself: a misspelt variable is caught.
    expect(unknownVariableProblems('BERTH_SERVER__PROT', '5000')).toHaveLength(1);
  });

  it('gives the registry and the worker a valid configuration: deploy/berth.yaml plus their environment', () => {
    for (const name of BERTH_SERVICES) {
      const config = serviceConfig(name);
      expect(config.database.url).toMatch(/^postgres:\/\/berth:[^@]+@postgres:5432\/berth$/);
      expect(config.redis.url).toBe('redis://redis:6379/0');
      expect(config.secrets.key).toBeDefined();
      expect(config.projects).toEqual(expect.arrayContaining([
        expect.objectContaining({ name: 'dockerhub', kind: 'proxy', public: true, ns: ['docker.io'], referrersProxy: true }),
      ]));
      expect(config.storage).toMatchObject({ driver: 's3', s3: { endpoint: 'http://minio:9000', forcePathStyle: true } });
    }
  });

  it('creates the bucket Berth uses, with the credentials Berth uses', () => {
    const { storage } = serviceConfig('registry');
    if (storage.driver !== 's3') throw new Error('the deployment stores blobs in MinIO');
    expect(commandText(service('minio-init').command)).toMatch(new RegExp(`mb .*/${storage.s3.bucket}(\\s|$)`));
    const minio = environmentOf(service('minio'));
    expect({ id: storage.s3.accessKeyId, secret: storage.s3.secretAccessKey }).toEqual({ id: minio.get('MINIO_ROOT_USER'), secret: minio.get('MINIO_ROOT_PASSWORD') });
  });
});
