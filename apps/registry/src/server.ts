import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { BerthConfig } from '@berth/config';
import { applyConfiguredProjects, createAdminServices, createRegistryServices } from '@berth/core';
import { openDatabase } from '@berth/db';
import { createUpstreamClient } from '@berth/upstream';
import { RedisContentVersions, RedisFillLock, closeRedisClient, createRedisClient } from '@berth/redis';
import { join } from 'node:path';
import { createFsBlobStore, openS3BlobStore, type BlobStore } from '@berth/storage';
import { createApp } from './app.js';
import { createAuthRuntime } from './auth/runtime.js';
import { createMetrics } from './metrics.js';
import { createReferrersCache } from './referrers-cache.js';
import { loadSecretSealer } from './secret-key.js';

export interface RunningServer {
  /** http://host:port as actually bound. */
  url: string;
  port: number;
  logger: Logger;
  close(graceSeconds?: number): Promise<void>;
}

export function createLogger(config: BerthConfig): Logger {
  return pino({
    level: config.log.level,
    // Human-readable lines for development; JSON (one object per line) otherwise.
    ...(config.log.pretty ? { transport: { target: 'pino-pretty', options: { colorize: false } } } : {}),
  });
}

async function createBlobStore(config: BerthConfig, logger: Logger): Promise<BlobStore> {
  if (config.storage.driver === 's3') {
    const s3 = config.storage.s3;
    return openS3BlobStore({
      region: s3.region,
      bucket: s3.bucket,
      prefix: s3.prefix,
      forcePathStyle: s3.forcePathStyle,
      ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
      ...(s3.accessKeyId !== undefined ? { accessKeyId: s3.accessKeyId } : {}),
      ...(s3.secretAccessKey !== undefined ? { secretAccessKey: s3.secretAccessKey } : {}),
    });
  }
  const store = createFsBlobStore({ root: config.storage.fs.root });
  // Temp files a crash left behind are invisible to clients; reclaim their space in the background.
  store.sweepTempFiles().then(
    (removed) => { if (removed > 0) logger.info({ removed }, 'removed stale temporary blob files'); },
    (error: unknown) => logger.warn({ err: error }, 'could not sweep temporary blob files'),
  );
  return store;
}

/** Build every dependency from configuration and listen. The composition root main.ts and tests share it. */
export async function startServer(config: BerthConfig, logger: Logger = createLogger(config)): Promise<RunningServer> {
  const metadata = await openDatabase(
    config.database.url !== undefined
      ? { url: config.database.url, poolSize: config.database.poolSize }
      : { dataDir: config.database.dataDir },
  );
  const store = await createBlobStore(config, logger);
  const sealer = await loadSecretSealer(config);
  const metrics = createMetrics();
  await applyConfiguredProjects(metadata, config.projects, sealer);
  // With Redis, replicas take a lock per blob fill so each uncached blob is fetched from upstream once.
  const redis = config.redis.url !== undefined ? createRedisClient(config.redis.url, { logger }) : undefined;
  const referrersCache = createReferrersCache(config, redis);
  metrics.observeReferrersCache(referrersCache);
  const services = createRegistryServices({
    metadata,
    store,
    proxy: {
      upstreamFactory: createUpstreamClient,
      metrics: metrics.proxy,
      upstreamHooks: (project) => metrics.upstreamHooks(project),
      spoolDir: join(config.dataDir, 'spool'),
      logger,
      ...(sealer !== undefined ? { sealer } : {}),
      ...(redis !== undefined ? { fillLock: new RedisFillLock(redis, { keyPrefix: config.redis.keyPrefix, logger }) } : {}),
      referrersCache,
      ...(redis !== undefined ? { contentVersions: new RedisContentVersions(redis, { keyPrefix: config.redis.keyPrefix }) } : {}),
      referrersFreshMs: config.referrersCache.freshTtlSeconds * 1000,
    },
    settings: {
      autoCreateProjects: config.autoCreateProjects,
      maxManifestBytes: config.limits.maxManifestBytes,
      uploadSessionTtlMs: config.limits.uploadSessionTtlMinutes * 60_000,
      referrersPage: { maxCount: config.limits.referrersPageMaxDescriptors, maxBytes: config.limits.referrersPageMaxBytes },
      ...(config.storage.driver === 's3' && config.storage.s3.redirect
        ? { blobRedirectSeconds: config.storage.s3.presignExpirySeconds }
        : {}),
    },
  });
  const auth = config.auth.enabled ? await createAuthRuntime(config, metadata, logger) : undefined;
  if (auth === undefined && !isLoopback(config.server.host)) {
    logger.warn({ host: config.server.host }, 'authentication is off (auth.enabled: false): anyone who can reach this address may push and delete');
  }
  const admin =
    auth === undefined
      ? undefined
      : createAdminServices({
          metadata,
          proxy: services.proxy,
          cacheCounts: (project) => metrics.cacheCounts(project),
          bootstrapAdmin: config.auth.admin.username,
          // Accounts and visibility changed through the API apply to this process's next request.
          afterChange: () => auth.access.forgetCached(),
          ...(sealer !== undefined ? { sealer } : {}),
        });
  const app = createApp({
    services,
    logger,
    ...(auth !== undefined ? { auth } : {}),
    ...(admin !== undefined ? { admin } : {}),
    metrics: metrics.registry,
    trustProxy: config.server.trustProxy,
    ...(config.server.publicUrl !== undefined ? { publicUrl: config.server.publicUrl } : {}),
  });
  const server: Server = app.listen(config.server.port, config.server.host);
  await once(server, 'listening');
  // Long blob transfers must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  return {
    url,
    port,
    logger,
    /** Stop accepting, let in-flight requests finish for up to the grace period, then cut the rest. */
    async close(graceSeconds = config.server.shutdownGraceSeconds) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceSeconds * 1000);
      await closed;
      clearTimeout(timer);
      await services.close();
      // After the fills drained: their locks are released by then.
      if (redis !== undefined) await closeRedisClient(redis);
      await metadata.close();
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
