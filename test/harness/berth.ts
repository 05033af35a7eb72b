import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '@berth/config';
import { startServer } from '../../apps/registry/src/server.js';
import { freePort } from './ports.js';
import { startPostgres } from './postgres.js';
import { startS3 } from './s3.js';

export interface BerthUnderTest {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as clients name the registry. */
  host: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartBerthOptions {
  storage?: 'fs' | 's3';
  database?: 'pglite' | 'postgres';
  /** Merged (shallowly per top-level key) into the generated configuration. */
  config?: Record<string, unknown>;
  /** Log here instead of the default logger (to read what was logged). */
  logger?: Logger;
  /** Reuse this data directory (a restart); the caller removes it. A fresh temp dir otherwise. */
  dataDir?: string;
  /** Environment the configuration loader sees (BERTH_* overrides); none by default. */
  env?: Record<string, string>;
  /** The clock authentication measures tokens, login locks and robot expiry by (ms); Date.now by default. */
  authClock?: () => number;
}

/**
 * Start Berth in this process on a free loopback port with fresh storage and database, through the
 * real configuration loader (a generated YAML file) and the same startServer main.ts uses.
 */
export async function startBerth(options: StartBerthOptions = {}): Promise<BerthUnderTest> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-test-')));
  const port = await freePort();
  const cleanups: Array<() => Promise<void>> = options.dataDir === undefined ? [() => rm(dataDir, { recursive: true, force: true })] : [];
  try {
    const config: Record<string, unknown> = {
      server: { host: '127.0.0.1', port },
      dataDir,
      autoCreateProjects: true,
      // Suites that test authentication pass their own `auth`; the others run with it off.
      auth: { enabled: false },
      log: { level: process.env.TEST_LOG_LEVEL ?? 'warn' },
    };
    if (options.storage === 's3') {
      const s3 = await startS3();
      cleanups.push(() => s3.stop());
      config.storage = {
        driver: 's3',
        s3: {
          endpoint: s3.endpoint,
          region: s3.region,
          bucket: s3.bucket,
          forcePathStyle: true,
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
        },
      };
    }
    if (options.database === 'postgres') {
      const pg = await startPostgres();
      cleanups.push(() => pg.stop());
      config.database = { url: pg.url };
    }
    Object.assign(config, options.config);
    const file = join(dataDir, 'berth.json');
    // JSON is valid YAML, so the loader reads it like any configuration file.
    await writeFile(file, JSON.stringify(config));
    const loaded = loadConfig({ argv: ['--config', file], env: options.env ?? {}, cwd: dataDir });
    const server = await startServer(loaded, options.logger, options.authClock !== undefined ? { authClock: options.authClock } : {});
    cleanups.push(() => server.close(1));
    return {
      url: server.url,
      host: `127.0.0.1:${server.port}`,
      port: server.port,
      dataDir,
      stop: () => runCleanups(cleanups),
    };
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}
