import { join } from 'node:path';
import type { BerthConfig } from '@berth/config';
import {
  applyConfiguredProjects,
  mergeAliasRepositories,
  createLifecycleServices,
  createRegistryServices,
  type LifecycleServices,
  type RegistryServices,
  type SecretSealer,
} from '@berth/core';
import { openDatabase, type MetadataStore } from '@berth/db';
import { QueueBackgroundWork, jobHandlers, scheduleMaintenance, type JobQueue } from '@berth/jobs';
import type { Redis } from '@berth/redis';
import type { BlobStore } from '@berth/storage';
import { createUpstreamClient } from '@berth/upstream';
import type { Logger } from 'pino';
import { createBlobStore } from './blob-store.js';
import { createJobQueue } from './job-queue.js';
import { createMetrics, type RegistryMetrics } from './metrics.js';
import { createReadiness, readinessChecks, type Readiness } from './readiness.js';
import { openRedisDrivers, preloadRedisDrivers } from './redis-drivers.js';
import { createReferrersCache } from './referrers-cache.js';
import { loadSecretSealer } from './secret-key.js';
import { CLOSE_STEP_LIMIT_MS, closeStep } from './close-step.js';

/** Everything a Berth process (registry or worker) is built from, and how to take it down. */
export interface Runtime {
  config: BerthConfig;
  logger: Logger;
  metadata: MetadataStore;
  store: BlobStore;
  sealer: SecretSealer | undefined;
  metrics: RegistryMetrics;
  services: RegistryServices;
  /** The job queue; undefined when this process neither enqueues nor runs jobs (no Redis, worker off). */
  queue: JobQueue | undefined;
  lifecycle: LifecycleServices;
  /** The Redis client (redis.url); undefined without Redis. */
  redis: Redis | undefined;
  /** The dependency checks behind /readyz: database, migrations, storage, Redis. */
  readiness: Readiness;
  /** Become a worker: run every job processor and keep the maintenance schedules. */
  startJobs(): Promise<void>;
  /** Stop the jobs (active ones get `graceMs`), drain fills, close Redis and the database. */
  close(graceMs: number): Promise<void>;
}

/**
 * Build the drivers and services from configuration: the composition shared by the registry
 * (`apps/registry`) and the worker (`apps/worker`). `runsJobs` says whether this process will
 * process jobs; without Redis a queue exists only for a process that does.
 */
export async function openRuntime(config: BerthConfig, logger: Logger, options: { runsJobs: boolean }): Promise<Runtime> {
  // The optional drivers' libraries (AWS SDK, ioredis, BullMQ) are imported only when configured,
  // and before the database opens: imported after PGlite has started, the same libraries were
  // measured to add 10-15 MB more resident memory than imported before it.
  const store = await createBlobStore(config, logger);
  await preloadRedisDrivers(config);
  const metadata = await openDatabase(
    config.database.url !== undefined
      ? {
          url: config.database.url,
          poolSize: config.database.poolSize,
          // A server restart ends idle pooled connections: one line, the pool connects again when asked.
          onConnectionError: (error: Error) => logger.warn({ reason: error.message }, 'database connection lost'),
          // A connection still in use when the database closes (a query that never answered) is ended after a grace.
          onConnectionsCut: (count: number) => logger.warn({ connections: count }, 'shutdown: ended database connections still in use'),
        }
      : { dataDir: config.database.dataDir },
  );
  const sealer = await loadSecretSealer(config);
  const metrics = createMetrics();
  try {
    await applyConfiguredProjects(metadata, config.projects, {
      logger,
      ...(sealer !== undefined ? { sealer } : {}),
      ...(config.projectsDeclaredIn !== undefined ? { declaredIn: config.projectsDeclaredIn } : {}),
    });
  } catch (error) {
    // A refused configuration (ConfigError) ends the start; nothing else holds the database yet.
    await metadata.close();
    throw error;
  }
  // One repository per upstream repository: names kept twice (before canonical names) become one.
  for (const merged of await mergeAliasRepositories(metadata)) logger.info(merged, 'merged a repository into its canonical name');
  const redis = await openRedisDrivers(config, logger);
  const referrersCache = createReferrersCache(config, redis?.referrersCache);
  metrics.observeReferrersCache(referrersCache);
  const queue = redis !== undefined || options.runsJobs ? createJobQueue(config, logger) : undefined;
  if (queue !== undefined) metrics.jobs.observeQueue(queue);
  const services = createRegistryServices({
    metadata,
    store,
    proxy: {
      upstreamFactory: createUpstreamClient,
      metrics: metrics.proxy,
      upstreamHooks: (project, upstream) => metrics.upstreamHooks(project, upstream),
      spoolDir: join(config.dataDir, 'spool'),
      logger,
      ...(sealer !== undefined ? { sealer } : {}),
      ...(redis !== undefined ? { fillLock: redis.fillLock, contentVersions: redis.contentVersions } : {}),
      referrersCache,
      referrersFreshMs: config.referrersCache.freshTtlSeconds * 1000,
      upstreamProxy: withoutUnset(config.upstreamProxy),
      ...(queue !== undefined ? { background: new QueueBackgroundWork(queue, logger) } : {}),
    },
    signatures: {
      logger,
      metrics: metrics.signatures,
      ...(redis !== undefined ? { verdictCache: redis.verdictCache } : {}),
    },
    settings: {
      autoCreateProjects: config.autoCreateProjects,
      maxManifestBytes: config.limits.maxManifestBytes,
      uploadSessionTtlMs: config.limits.uploadSessionTtlMinutes * 60_000,
      referrersPage: { maxCount: config.limits.referrersPageMaxDescriptors, maxBytes: config.limits.referrersPageMaxBytes },
      ...(config.storage.driver === 's3' && config.storage.s3.redirect ? { blobRedirectSeconds: config.storage.s3.presignExpirySeconds } : {}),
      // Embedded, one process sees every write; with Redis every replica hears of each through the
      // content versions. Replicas on PostgreSQL without Redis do not, and a tag pushed through one
      // must be what the next pull gets from any (CI pushes, then deploys): they do not remember.
      ...(config.database.url !== undefined && redis === undefined ? { hostedManifestMaxAgeMs: 0 } : {}),
    },
  });
  const lifecycle = createLifecycleServices(services, {
    gcGraceMs: config.jobs.gcGraceSeconds * 1000,
    uploadSessionTtlMs: config.limits.uploadSessionTtlMinutes * 60_000,
    logger,
  });
  return {
    config,
    logger,
    metadata,
    store,
    sealer,
    metrics,
    services,
    queue,
    lifecycle,
    redis: redis?.client,
    readiness: createReadiness(readinessChecks({ metadata, store, redis: redis?.client })),
    async startJobs() {
      if (queue === undefined) throw new Error('no job queue: configure redis.url, or let this process run jobs');
      await queue.process(jobHandlers(lifecycle, logger, metrics.jobs.maintenance), {
        concurrency: config.jobs.concurrency,
        events: {
          ...metrics.jobs.events,
          failed(name, error, durationMs, willRetry) {
            metrics.jobs.events.failed?.(name, error, durationMs, willRetry);
            if (willRetry) logger.info({ job: name, error: error.message }, 'job failed; will retry');
            else logger.warn({ job: name, err: error }, 'job failed for good');
          },
        },
      });
      await scheduleMaintenance(queue, {
        evictionMs: config.jobs.evictionIntervalSeconds * 1000,
        gcMs: config.jobs.gcIntervalSeconds * 1000,
        uploadCleanupMs: config.jobs.uploadCleanupIntervalSeconds * 1000,
      });
    },
    async close(graceMs) {
      // Each step is given up (and logged by name) once it outlasts the grace by CLOSE_STEP_LIMIT_MS.
      const step = (name: string, closing: Promise<void> | undefined) => closeStep(logger, name, closing, graceMs + CLOSE_STEP_LIMIT_MS);
      await step('background jobs', queue?.close(graceMs));
      await step('blob fills and upstream connections', services.close());
      // After the fills drained: their locks are released by then.
      await step('redis', redis?.close());
      await step('metadata database', metadata.close());
    },
  };
}

/** The configured proxy settings without the unset ones (exactOptionalPropertyTypes). */
function withoutUnset(proxy: BerthConfig['upstreamProxy']): { httpProxy?: string; httpsProxy?: string; noProxy?: string } {
  return Object.fromEntries(Object.entries(proxy).filter(([, value]) => value !== undefined)) as { httpProxy?: string; httpsProxy?: string; noProxy?: string };
}
