import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './index.js';
import type { ConfigProblem } from './index.js';

let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function yamlFile(text: string): Promise<string> {
  const file = join(dir, `berth-${++fileCount}.yaml`);
  await writeFile(file, text);
  return file;
}

/** The ConfigError loadConfig throws for these options (fails the test if it does not throw one). */
function loadError(options: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

function paths(problems: readonly ConfigProblem[]): string[] {
  return problems.map((problem) => problem.path);
}

describe('loadConfig without a file', () => {
  it('applies every default, with paths under cwd', () => {
    const config = loadConfig({ argv: [], env: {}, cwd: '/srv/berth' });
    expect(config).toEqual({
      server: { host: '0.0.0.0', port: 5000, trustProxy: false, trustedProxies: [], shutdownGraceSeconds: 25, shutdownDelaySeconds: 0, sendfile: true },
      dataDir: '/srv/berth/data',
      database: { dataDir: '/srv/berth/data/db', poolSize: 10 },
      storage: { driver: 'fs', fs: { root: '/srv/berth/data/blobs' } },
      upstreamProxy: {},
      redis: { keyPrefix: 'berth:', fillLockTtlSeconds: 30 },
      autoCreateProjects: true,
      projects: [],
      limits: {
        maxManifestBytes: 4 * 1024 * 1024,
        uploadSessionTtlMinutes: 1440,
        referrersPageMaxDescriptors: 1000,
        referrersPageMaxBytes: 4 * 1024 * 1024,
      },
      referrersCache: { freshTtlSeconds: 300, staleTtlSeconds: 604800, maxListBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 },
      jobs: { worker: 'auto', concurrency: 4, evictionIntervalSeconds: 300, gcIntervalSeconds: 3600, gcGraceSeconds: 3600, uploadCleanupIntervalSeconds: 3600, workerPort: 5001 },
      secrets: {},
      auth: {
        enabled: true,
        service: 'berth',
        issuer: 'berth',
        tokenTtlSeconds: 300,
        refreshTokenTtlSeconds: 2592000,
        admin: { username: 'admin' },
        lockout: { maxFailures: 5, windowSeconds: 300, lockSeconds: 300 },
        anonymousPull: true,
      },
      log: { level: 'info', pretty: false },
    });
  });

  it('derives the database and blob directories from a changed dataDir', () => {
    const config = loadConfig({ argv: [], env: { BERTH_DATA_DIR: 'state' }, cwd: '/srv' });
    expect(config.dataDir).toBe('/srv/state');
    expect(config.database.dataDir).toBe('/srv/state/db');
    expect(config.storage).toEqual({ driver: 'fs', fs: { root: '/srv/state/blobs' } });
  });
});

describe('loadConfig with a YAML file', () => {
  it('reads the file named by --config FILE', async () => {
    const file = await yamlFile(
      [
        'server:',
        '  host: 0.0.0.0',
        '  port: 8080',
        '  publicUrl: https://registry.example.com/',
        '  trustProxy: true',
        'database:',
        '  url: postgres://berth:secret@db.internal:5432/berth',
        '  poolSize: 20',
        'storage:',
        '  driver: s3',
        '  s3:',
        '    endpoint: http://127.0.0.1:9000',
        '    bucket: blobs',
        '    prefix: berth/',
        '    forcePathStyle: true',
        '    redirect: true',
        'projects:',
        '  - { name: team-a, kind: hosted }',
        '  - { name: team_b.tools, kind: hosted }',
        'limits:',
        '  maxManifestBytes: 1048576',
        'log:',
        '  level: debug',
      ].join('\n'),
    );
    const config = loadConfig({ argv: ['--config', file], env: {}, cwd: dir });
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 8080,
      publicUrl: 'https://registry.example.com',
      trustProxy: true,
      trustedProxies: [],
      shutdownGraceSeconds: 25,
      shutdownDelaySeconds: 0,
      sendfile: true,
    });
    expect(config.database.url).toBe('postgres://berth:secret@db.internal:5432/berth');
    expect(config.database.poolSize).toBe(20);
    expect(config.storage).toEqual({
      driver: 's3',
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'us-east-1',
        bucket: 'blobs',
        prefix: 'berth/',
        forcePathStyle: true,
        redirect: true,
        presignExpirySeconds: 900,
      },
    });
    expect(config.projects).toEqual([
      { name: 'team-a', kind: 'hosted', public: false },
      { name: 'team_b.tools', kind: 'hosted', public: false },
    ]);
    expect(config.auth.service).toBe('registry.example.com');
    expect(config.limits).toMatchObject({ maxManifestBytes: 1048576, uploadSessionTtlMinutes: 1440 });
    expect(config.log).toEqual({ level: 'debug', pretty: false });
  });

  it('reads --config=FILE, and a relative path against cwd', async () => {
    const file = await yamlFile('server:\n  port: 7001\n');
    const config = loadConfig({ argv: ['serve', `--config=${file.slice(dir.length + 1)}`], env: {}, cwd: dir });
    expect(config.server.port).toBe(7001);
  });

  it('falls back to BERTH_CONFIG, and --config wins over it', async () => {
    const fromEnv = await yamlFile('server:\n  port: 7002\n');
    const fromArgv = await yamlFile('server:\n  port: 7003\n');
    expect(loadConfig({ argv: [], env: { BERTH_CONFIG: fromEnv }, cwd: dir }).server.port).toBe(7002);
    expect(loadConfig({ argv: ['--config', fromArgv], env: { BERTH_CONFIG: fromEnv }, cwd: dir }).server.port).toBe(7003);
  });

  it('reports a YAML syntax error with the file and line', async () => {
    const file = await yamlFile('server:\n  port: 5000\n  host: a: b\nlog:\n  level: info\n');
    const error = loadError({ argv: ['--config', file], env: {}, cwd: dir });
    expect(error.message).toBe(`${file}:3:9: YAML syntax error: Nested mappings are not allowed in compact mappings`);
  });

});

describe('environment overrides', () => {
  it('sets nested numbers, booleans and strings', () => {
    const config = loadConfig({
      argv: [],
      env: {
        BERTH_SERVER__PORT: '6000',
        BERTH_SERVER__TRUST_PROXY: '1',
        BERTH_SERVER__TRUSTED_PROXIES: '["10.0.0.0/8", "fd00::/8"]',
        BERTH_STORAGE__DRIVER: 's3',
        BERTH_STORAGE__S3__BUCKET: 'blobs',
        BERTH_STORAGE__S3__FORCE_PATH_STYLE: 'true',
        BERTH_STORAGE__S3__PRESIGN_EXPIRY_SECONDS: '300',
        BERTH_LOG__PRETTY: 'false',
      },
      cwd: '/srv',
    });
    expect(config.server.port).toBe(6000);
    expect(config.server.trustProxy).toBe(true);
    expect(config.server.trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(config.storage).toMatchObject({ driver: 's3', s3: { bucket: 'blobs', forcePathStyle: true, presignExpirySeconds: 300 } });
    expect(config.log.pretty).toBe(false);
  });

  it('takes precedence over the file, which takes precedence over defaults', async () => {
    const file = await yamlFile('server:\n  port: 7000\n  host: 0.0.0.0\nlog:\n  level: warn\n');
    const config = loadConfig({ argv: ['--config', file], env: { BERTH_SERVER__PORT: '7100' }, cwd: dir });
    expect(config.server.port).toBe(7100); // env over file
    expect(config.server.host).toBe('0.0.0.0'); // file over default
    expect(config.log.level).toBe('warn'); // file over default
    expect(config.server.shutdownGraceSeconds).toBe(25); // default
  });

  it('accepts DATABASE_URL, overridden by BERTH_DATABASE__URL', () => {
    const aliasOnly = loadConfig({ argv: [], env: { DATABASE_URL: 'postgres://a/one' }, cwd: '/srv' });
    expect(aliasOnly.database.url).toBe('postgres://a/one');
    const both = loadConfig({ argv: [], env: { DATABASE_URL: 'postgres://a/one', BERTH_DATABASE__URL: 'postgres://b/two' }, cwd: '/srv' });
    expect(both.database.url).toBe('postgres://b/two');
  });

  it('accepts REDIS_URL, overridden by BERTH_REDIS__URL', () => {
    expect(loadConfig({ argv: [], env: {}, cwd: '/srv' }).redis).toEqual({ keyPrefix: 'berth:', fillLockTtlSeconds: 30 });
    const aliasOnly = loadConfig({ argv: [], env: { REDIS_URL: 'redis://a:6379' }, cwd: '/srv' });
    expect(aliasOnly.redis).toEqual({ url: 'redis://a:6379', keyPrefix: 'berth:', fillLockTtlSeconds: 30 });
    const both = loadConfig({ argv: [], env: { REDIS_URL: 'redis://a:6379', BERTH_REDIS__URL: 'rediss://b:6380', BERTH_REDIS__KEY_PREFIX: 'x:' }, cwd: '/srv' });
    expect(both.redis).toEqual({ url: 'rediss://b:6380', keyPrefix: 'x:', fillLockTtlSeconds: 30 });
    expect(loadError({ argv: [], env: { REDIS_URL: 'http://cache:6379' }, cwd: '/srv' }).message).toBe(
      'redis.url: must be a redis:// or rediss:// URL (from REDIS_URL)',
    );
  });

  it('accepts projects as a JSON list', () => {
    const config = loadConfig({ argv: [], env: { BERTH_PROJECTS: '[{"name":"library","kind":"hosted"}]' }, cwd: '/srv' });
    expect(config.projects).toEqual([{ name: 'library', kind: 'hosted', public: false }]);
  });

  it('says where the projects were declared: the file, or the variable that overrides it', async () => {
    const file = await yamlFile('projects:\n  - { name: library, kind: hosted }\n');
    expect(loadConfig({ argv: ['--config', file], env: {}, cwd: '/srv' }).projectsDeclaredIn).toBe(file);
    const overridden = loadConfig({ argv: ['--config', file], env: { BERTH_PROJECTS: '[{"name":"tools","kind":"hosted"}]' }, cwd: '/srv' });
    expect(overridden.projects.map((project) => project.name)).toEqual(['tools']);
    expect(overridden.projectsDeclaredIn).toBe('BERTH_PROJECTS');
    expect(loadConfig({ argv: ['--config', await yamlFile('autoCreateProjects: false\n')], env: {}, cwd: '/srv' })).not.toHaveProperty('projectsDeclaredIn');
  });

  it('accepts BERTH_ADMIN_PASSWORD, overridden by BERTH_AUTH__ADMIN__PASSWORD', () => {
    const aliasOnly = loadConfig({ argv: [], env: { BERTH_ADMIN_PASSWORD: 'from-the-alias' }, cwd: '/srv' });
    expect(aliasOnly.auth.admin).toEqual({ username: 'admin', password: 'from-the-alias' });
    const both = loadConfig({ argv: [], env: { BERTH_ADMIN_PASSWORD: 'from-the-alias', BERTH_AUTH__ADMIN__PASSWORD: 'from-the-path' }, cwd: '/srv' });
    expect(both.auth.admin.password).toBe('from-the-path');
    expect(loadError({ argv: [], env: { BERTH_ADMIN_PASSWORD: 'short' }, cwd: '/srv' }).message).toBe(
      'auth.admin.password: must be at least 8 characters (from BERTH_ADMIN_PASSWORD)',
    );
  });

  it('sets auth settings, nested sections included', () => {
    const config = loadConfig({
      argv: [],
      env: {
        BERTH_AUTH__ENABLED: 'false',
        BERTH_AUTH__TOKEN_TTL_SECONDS: '600',
        BERTH_AUTH__LOCKOUT__MAX_FAILURES: '0',
        BERTH_AUTH__ADMIN__USERNAME: 'root',
        BERTH_AUTH__ANONYMOUS_PULL: '0',
      },
      cwd: '/srv',
    });
    expect(config.auth).toMatchObject({ enabled: false, tokenTtlSeconds: 600, admin: { username: 'root' }, anonymousPull: false });
    expect(config.auth.lockout).toEqual({ maxFailures: 0, windowSeconds: 300, lockSeconds: 300 });
    expect(loadError({ argv: [], env: { BERTH_AUTH__LOCKOUT__MAX_FAILURES: '-1' }, cwd: '/srv' }).message).toBe(
      'auth.lockout.maxFailures: must be at least 0 (from BERTH_AUTH__LOCKOUT__MAX_FAILURES)',
    );
    expect(loadError({ argv: [], env: { BERTH_AUTH__LOCKOUT__MAX_FAILURES: 'five' }, cwd: '/srv' }).message).toBe(
      'auth.lockout.maxFailures: expected a number, got "five" (from BERTH_AUTH__LOCKOUT__MAX_FAILURES)',
    );
  });

  it('rejects a BERTH_ variable that names no setting', () => {
    const error = loadError({ argv: [], env: { BERTH_SERVER__PROT: '6000' }, cwd: '/srv' });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(/^BERTH_SERVER__PROT: names no setting; server has: host, port,/);
  });

  it('names the variable when its value has the wrong type', () => {
    const error = loadError({ argv: [], env: { BERTH_SERVER__PORT: 'eighty', BERTH_LOG__PRETTY: 'yes' }, cwd: '/srv' });
    expect(error.message.split('\n').sort()).toEqual([
      'log.pretty: expected true, false, 1 or 0, got "yes" (from BERTH_LOG__PRETTY)',
      'server.port: expected a number, got "eighty" (from BERTH_SERVER__PORT)',
    ]);
  });

  it('names the variable when validation rejects its value', () => {
    const error = loadError({ argv: [], env: { BERTH_SERVER__PORT: '70000', DATABASE_URL: 'mysql://db/berth' }, cwd: '/srv' });
    expect(error.message.split('\n').sort()).toEqual([
      'database.url: must be a postgres:// or postgresql:// URL (from DATABASE_URL)',
      'server.port: must be at most 65535 (from BERTH_SERVER__PORT)',
    ]);
  });
});

describe('auth.signingKeyFile', () => {
  it('is resolved against cwd like the other paths', () => {
    expect(loadConfig({ argv: [], env: {}, cwd: '/srv' }).auth.signingKeyFile).toBeUndefined();
    const relative = loadConfig({ argv: [], env: { BERTH_AUTH__SIGNING_KEY_FILE: 'keys/signing.pem' }, cwd: '/srv/berth' });
    expect(relative.auth.signingKeyFile).toBe('/srv/berth/keys/signing.pem');
    const absolute = loadConfig({ argv: [], env: { BERTH_AUTH__SIGNING_KEY_FILE: '/etc/berth/key.pem' }, cwd: '/srv/berth' });
    expect(absolute.auth.signingKeyFile).toBe('/etc/berth/key.pem');
  });
});

describe('autoCreateProjects', () => {
  it('defaults to true in embedded mode and false with a database URL', () => {
    expect(loadConfig({ argv: [], env: {}, cwd: '/srv' }).autoCreateProjects).toBe(true);
    expect(loadConfig({ argv: [], env: { DATABASE_URL: 'postgres://db/berth' }, cwd: '/srv' }).autoCreateProjects).toBe(false);
  });

  it('keeps an explicit value in either mode', () => {
    const env = { DATABASE_URL: 'postgres://db/berth', BERTH_AUTO_CREATE_PROJECTS: 'true' };
    expect(loadConfig({ argv: [], env, cwd: '/srv' }).autoCreateProjects).toBe(true);
    expect(loadConfig({ argv: [], env: { BERTH_AUTO_CREATE_PROJECTS: 'false' }, cwd: '/srv' }).autoCreateProjects).toBe(false);
  });
});

describe('validation problems', () => {
  it('lists every problem with its path', async () => {
    const file = await yamlFile('server:\n  port: http\nlog:\n  level: loud\nlimits:\n  maxManifestBytes: -1\n');
    const error = loadError({ argv: ['--config', file], env: {}, cwd: dir });
    expect(paths(error.problems).sort()).toEqual(['limits.maxManifestBytes', 'log.level', 'server.port']);
    expect(error.message.split('\n')).toHaveLength(3);
    expect(error.message).toContain('server.port: expected a number, got the string "http"');
    expect(error.message).toContain('log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace"');
    expect(error.message).toContain('limits.maxManifestBytes: must be at least 1');
  });

  it('lists env problems and file problems together', async () => {
    const file = await yamlFile('server:\n  prot: 5000\n');
    const error = loadError({ argv: ['--config', file], env: { BERTH_LOGG__LEVEL: 'info' }, cwd: dir });
    expect(paths(error.problems).sort()).toEqual(['BERTH_LOGG__LEVEL', 'server.prot']);
  });

  it('rejects an unknown key and says which keys are known', async () => {
    const file = await yamlFile('server:\n  prot: 5000\n');
    const error = loadError({ argv: ['--config', file], env: {}, cwd: dir });
    expect(error.message).toBe('server.prot: unknown setting; known settings here: host, port, publicUrl, trustProxy, trustedProxies, shutdownGraceSeconds, shutdownDelaySeconds, sendfile');
  });

  it('checks upstream timeouts', async () => {
    const file = await yamlFile('projects:\n  - name: hub\n    kind: proxy\n    upstream:\n      url: https://registry-1.docker.io\n      timeouts:\n        headersSeconds: 0\n        idleSeconds: 5\n');
    expect(paths(loadError({ argv: ['--config', file], env: {}, cwd: dir }).problems).sort()).toEqual([
      'projects[0].upstream.timeouts.headersSeconds',
      'projects[0].upstream.timeouts.idleSeconds',
    ]);
  });

  it('checks the referrers cache bounds against each other', async () => {
    const file = await yamlFile('referrersCache:\n  freshTtlSeconds: 600\n  staleTtlSeconds: 60\n  maxListBytes: 2097152\n  maxTotalBytes: 1048576\n');
    expect(loadError({ argv: ['--config', file], env: {}, cwd: dir }).message.split('\n').sort()).toEqual([
      'referrersCache.maxTotalBytes: must be at least maxListBytes',
      'referrersCache.staleTtlSeconds: must be at least freshTtlSeconds',
    ]);
  });

  it('requires a bucket for the s3 driver, even alongside other problems', async () => {
    const alone = await yamlFile('storage:\n  driver: s3\n');
    expect(loadError({ argv: ['--config', alone], env: {}, cwd: dir }).message).toBe(
      'storage.s3.bucket: required when storage.driver is "s3"',
    );
    const withOthers = await yamlFile('server:\n  port: -5\nstorage:\n  driver: s3\n  s3:\n    region: ""\n');
    expect(paths(loadError({ argv: ['--config', withOthers], env: {}, cwd: dir }).problems).sort()).toEqual([
      'server.port',
      'storage.s3.bucket',
      'storage.s3.region',
    ]);
  });

  it('rejects duplicate project names, naming the duplicate', async () => {
    const file = await yamlFile(
      'projects:\n  - { name: library, kind: hosted }\n  - { name: tools, kind: hosted }\n  - { name: library, kind: hosted }\n',
    );
    expect(loadError({ argv: ['--config', file], env: {}, cwd: dir }).message).toBe(
      'projects[2].name: duplicate project name "library" (already declared at projects[0])',
    );
  });

  it('builds each signature policy’s verifier at load time: a key that does not parse is a ConfigError naming it', async () => {
    const key = '-----BEGIN PUBLIC KEY-----\\nAAAAAAAAAAAA\\n-----END PUBLIC KEY-----\\n';
    const file = await yamlFile(
      `projects:\n  - { name: a, kind: hosted }\n  - { name: b, kind: hosted }\n  - { name: c, kind: hosted, signaturePolicy: { mode: enforce, cosign: { keys: [{ name: team, publicKey: "${key}" }] } } }\n`,
    );
    const error = loadError({ argv: ['--config', file], env: {}, cwd: dir });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('projects[2].signaturePolicy.cosign.keys[0].publicKey: the PEM public key does not parse');
  });

  it('rejects unknown project kinds, a missing kind, and a proxy without an upstream', async () => {
    const file = await yamlFile('projects:\n  - { name: hub, kind: proxy }\n  - { name: tools }\n  - { name: x, kind: mirror }\n');
    expect(loadError({ argv: ['--config', file], env: {}, cwd: dir }).message.split('\n')).toEqual([
      'projects[0].upstream: a proxy project needs upstream (one registry) or upstreams (an ordered list)',
      'projects[1].kind: required; must be one of "hosted", "proxy"',
      'projects[2].kind: must be one of "hosted", "proxy"',
    ]);
  });

  it('checks proxy upstream credentials, ns aliases and the secrets key', async () => {
    const file = await yamlFile([
      'secrets: { key: c2hvcnQ= }',
      'projects:',
      '  - { name: hub, kind: proxy, ns: [docker.io], upstream: { url: "https://registry-1.docker.io", username: bob } }',
      '  - { name: hub2, kind: proxy, ns: [docker.io, "Bad Host"], upstream: { url: "ftp://x", token: t, username: u, password: p } }',
      '  - { name: q, kind: proxy, pushPolicy: some, upstream: { url: "https://quay.io" }, nameMapping: { prefix: "a" } }',
    ].join('\n'));
    expect(loadError({ argv: ['--config', file], env: {}, cwd: dir }).message.split('\n')).toEqual([
      'projects[0].upstream.password: required when username is set',
      'projects[1].upstream.url: must be an absolute http:// or https:// URL',
      'projects[1].upstream.token: give either token or username/password, not both',
      'projects[1].ns[1]: must be a lowercase host name, optionally with :port',
      'projects[2].pushPolicy: must be one of "referrers", "none", "all"',
      'projects[2].nameMapping.prefix: must be empty or path components ending with "/"',
      'projects[1].ns[0]: ns "docker.io" already routes to projects[0]',
      'secrets.key: must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)',
    ]);
  });

  it('fills proxy defaults', async () => {
    const file = await yamlFile('projects:\n  - { name: hub, kind: proxy, upstream: { url: "https://registry-1.docker.io/" } }\n');
    const config = loadConfig({ argv: ['--config', file], env: {}, cwd: dir });
    expect(config.projects[0]).toEqual({
      kind: 'proxy',
      name: 'hub',
      public: false,
      upstream: { url: 'https://registry-1.docker.io', insecureSkipVerify: false, tokenRealmHosts: [] },
      tagTtlSeconds: 300,
      maxStaleSeconds: 604800,
      negativeTtlSeconds: 60,
      serveStaleOnNotFound: false,
      pushPolicy: 'referrers',
      ns: [],
      referrersProxy: false,
      prefetch: { enabled: false, platforms: [], referrers: true },
      nameMapping: { prefix: '', separator: '/', dockerHubLibrary: 'auto' },
    });
  });
});
