import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BerthConfig } from '@berth/config';
import { createAdminServices } from '@berth/core';
import { createLogger, listenOn, openRuntime, registryRunsJobs, type Logger, type Runtime } from '@berth/runtime';
import { setZeroCopyEnabled, zeroCopyMode } from '@berth/sendfile';
import { createApp } from './app.js';
import { createAuthRuntime } from './auth/runtime.js';
import { trustedProxiesSetting } from './http/client-address.js';

export { createLogger } from '@berth/runtime';

export interface StartServerOptions {
  /**
   * Where a line meant for the person starting Berth goes (the generated administrator password),
   * besides the log; standard error by default.
   */
  announce?: (line: string) => void;
  /** The authentication clock (token times, login locks, robot expiry) in ms since the epoch; Date.now by default. For tests. */
  authClock?: () => number;
}

export interface RunningServer {
  /** http://host:port as actually bound. */
  url: string;
  port: number;
  logger: Logger;
  close(graceSeconds?: number): Promise<void>;
}

/**
 * Listen, then build every dependency from configuration. The port is taken first, so a port in
 * use fails the start before anything is created (the administrator's generated password is
 * printed only by a start that goes on to serve). Requests arriving meanwhile wait until the
 * app is ready. The composition root main.ts and tests share it.
 */
export async function startServer(config: BerthConfig, logger: Logger = createLogger(config), options: StartServerOptions = {}): Promise<RunningServer> {
  const held: Array<[IncomingMessage, ServerResponse]> = [];
  let handle: RequestListener | undefined;
  const server: Server = createServer((req, res) => (handle !== undefined ? handle(req, res) : held.push([req, res])));
  // Long blob transfers must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  await listenOn(server, config.server.port, config.server.host, { port: 'server.port', host: 'server.host' });
  let app: RequestListener;
  let close: (graceSeconds?: number) => Promise<void>;
  try {
    setZeroCopyEnabled(config.server.sendfile);
    const blobSends = zeroCopyMode();
    logger.info({ blobSends }, `stored blobs are sent by ${blobSends}`);
    const runtime = await openRuntime(config, logger, { runsJobs: registryRunsJobs(config) });
    try {
      ({ app, close } = await buildApp(runtime, server, options));
    } catch (error) {
      await runtime.close(0).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    server.closeAllConnections();
    server.close();
    throw error;
  }
  handle = app;
  for (const [req, res] of held.splice(0)) app(req, res);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  return { url, port, logger, close };
}

/** Everything behind the listening socket: drivers, services, authentication and the express app. */
async function buildApp(
  runtime: Runtime,
  server: Server,
  options: StartServerOptions,
): Promise<{ app: RequestListener; close: (graceSeconds?: number) => Promise<void> }> {
  const { config, logger, metadata, services, sealer, metrics } = runtime;
  // Set when close() begins: /readyz answers 503 so load balancers stop routing here while requests drain.
  let draining = false;
  if (registryRunsJobs(config)) await runtime.startJobs();
  const announce = options.announce ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const auth = config.auth.enabled ? await createAuthRuntime(config, metadata, logger, announce, options.authClock) : undefined;
  if (auth === undefined && !isLoopback(config.server.host)) {
    logger.warn({ host: config.server.host }, 'authentication is off (auth.enabled: false): anyone who can reach this address may push and delete');
  }
  const admin =
    auth === undefined
      ? undefined
      : createAdminServices({
          metadata,
          proxy: services.proxy,
          signatures: services.signatures,
          referrers: services.referrers,
          cacheCounts: (project) => metrics.cacheCounts(project),
          ...(runtime.queue !== undefined ? { jobs: runtime.queue } : {}),
          bootstrapAdmin: config.auth.admin.username,
          ...(config.projectsDeclaredIn !== undefined ? { projectsDeclaredIn: config.projectsDeclaredIn } : {}),
          logins: auth.access,
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
    trustProxy: trustedProxiesSetting(config.server),
    ...(config.server.publicUrl !== undefined ? { publicUrl: config.server.publicUrl } : {}),
  });
  // While draining, a keep-alive connection is closed as soon as its response is done, instead of
  // idling until the keep-alive timeout and holding the shutdown back.
  server.on('request', (_req, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (draining) server.closeIdleConnections();
    });
  });
  return {
    app,
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
