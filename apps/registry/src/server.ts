import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BerthConfig } from '@berth/config';
import { createAdminServices } from '@berth/core';
import { createLogger, openRuntime, registryRunsJobs, type Logger } from '@berth/runtime';
import { setZeroCopyEnabled, zeroCopyMode } from '@berth/sendfile';
import { createApp } from './app.js';
import { createAuthRuntime } from './auth/runtime.js';

export { createLogger } from '@berth/runtime';

export interface RunningServer {
  /** http://host:port as actually bound. */
  url: string;
  port: number;
  logger: Logger;
  close(graceSeconds?: number): Promise<void>;
}

/** Build every dependency from configuration and listen. The composition root main.ts and tests share it. */
export async function startServer(config: BerthConfig, logger: Logger = createLogger(config)): Promise<RunningServer> {
  setZeroCopyEnabled(config.server.sendfile);
  const blobSends = zeroCopyMode();
  logger.info({ blobSends }, `stored blobs are sent by ${blobSends}`);
  const runsJobs = registryRunsJobs(config);
  const runtime = await openRuntime(config, logger, { runsJobs });
  const { metadata, services, sealer, metrics } = runtime;
  // Set when close() begins: /readyz answers 503 so load balancers stop routing here while requests drain.
  let draining = false;
  if (runsJobs) await runtime.startJobs();
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
          referrers: services.referrers,
          cacheCounts: (project) => metrics.cacheCounts(project),
          ...(runtime.queue !== undefined ? { jobs: runtime.queue } : {}),
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
    httpMetrics: metrics.http,
    health: { readiness: runtime.readiness, draining: () => draining },
    trustProxy: config.server.trustProxy,
    ...(config.server.publicUrl !== undefined ? { publicUrl: config.server.publicUrl } : {}),
  });
  const server: Server = app.listen(config.server.port, config.server.host);
  await once(server, 'listening');
  // Long blob transfers must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  // While draining, a keep-alive connection is closed as soon as its response is done, instead of
  // idling until the keep-alive timeout and holding the shutdown back.
  server.on('request', (_req, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (draining) server.closeIdleConnections();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  return {
    url,
    port,
    logger,
    /** Stop accepting, let in-flight requests finish for up to the grace period, then cut the rest. */
    async close(graceSeconds = config.server.shutdownGraceSeconds) {
      draining = true;
      // Still listening, answering /readyz with 503: load balancers take the replica out first.
      const delayMs = config.server.shutdownDelaySeconds * 1000;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceSeconds * 1000);
      await closed;
      clearTimeout(timer);
      await runtime.close(graceSeconds * 1000);
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
