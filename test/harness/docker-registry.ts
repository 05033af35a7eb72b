import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startService } from './process.js';

const BINARY = '/usr/bin/docker-registry';

/** Pull-through mode: the registry proxies (and caches) one upstream registry. */
export interface DockerRegistryProxyOptions {
  remoteUrl: string;
  username?: string;
  password?: string;
}

/** Token authentication: clients fetch bearer tokens from `realm`, signed by the key behind `rootCertBundle`. */
export interface DockerRegistryTokenAuthOptions {
  realm: string;
  service: string;
  issuer: string;
  /** Path of a PEM file with the certificate(s) whose keys sign the tokens. */
  rootCertBundle: string;
}

export interface DockerRegistryOptions {
  proxy?: DockerRegistryProxyOptions;
  auth?: { token: DockerRegistryTokenAuthOptions };
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certificate: string; key: string };
  /** Log level of the registry (written to its stderr); `warn` unless told. */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

export interface DockerRegistryUnderTest {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as clients name the registry. */
  host: string;
  port: number;
  /** Temp dir holding config.yml and the filesystem storage (`storage/`). */
  dir: string;
  /** Everything the registry logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The configuration document of CNCF distribution 2.8 (`version: 0.1`); one section per option. */
export function buildDockerRegistryConfig(
  options: DockerRegistryOptions & { port: number; storageDir: string },
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    version: '0.1',
    log: { level: options.logLevel ?? 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: options.storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `127.0.0.1:${options.port}`,
      // Fixed per instance so upload state tokens survive; never shared between instances.
      secret: randomBytes(16).toString('hex'),
    },
  };
  if (options.tls !== undefined) {
    (config.http as Record<string, unknown>).tls = { certificate: options.tls.certificate, key: options.tls.key };
  }
  if (options.proxy !== undefined) {
    config.proxy = {
      remoteurl: options.proxy.remoteUrl,
      ...(options.proxy.username === undefined ? {} : { username: options.proxy.username }),
      ...(options.proxy.password === undefined ? {} : { password: options.proxy.password }),
    };
  }
  if (options.auth !== undefined) {
    const token = options.auth.token;
    config.auth = {
      token: { realm: token.realm, service: token.service, issuer: token.issuer, rootcertbundle: token.rootCertBundle },
    };
  }
  return config;
}

/**
 * Start Debian's docker-registry (the reference implementation) on a free loopback port with
 * filesystem storage in a fresh temp dir. The caller must stop() it.
 */
export async function startDockerRegistry(options: DockerRegistryOptions = {}): Promise<DockerRegistryUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-docker-registry-'));
  try {
    const storageDir = join(dir, 'storage');
    await mkdir(storageDir);
    const port = await freePort();
    const configFile = join(dir, 'config.yml');
    // JSON is valid YAML; the registry's loader reads it as such.
    await writeFile(configFile, JSON.stringify(buildDockerRegistryConfig({ ...options, port, storageDir }), null, 2));
    const service = await startService(BINARY, ['serve', configFile], {
      port,
      cwd: dir,
      env: withoutRegistryOverrides(process.env),
    });
    return {
      url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
      host: `127.0.0.1:${port}`,
      port,
      dir,
      output: () => service.output(),
      async stop() {
        await service.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * REGISTRY_* variables override config.yml entries; a test registry must see only its own file.
 * startService merges over process.env, and spawn drops variables whose value is undefined.
 */
function withoutRegistryOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const unset: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(env)) if (key.startsWith('REGISTRY_')) unset[key] = undefined;
  return unset;
}
