import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BerthConfig } from '@berth/config';
import { createLogger, listenOn, openRuntime, readinessAnswer, type Logger } from '@berth/runtime';

export interface RunningWorker {
  /** http://host:port of /healthz, /readyz and /metrics. */
  url: string;
  logger: Logger;
  /** Stop taking jobs, give active ones `graceSeconds`, then release everything. */
  close(graceSeconds?: number): Promise<void>;
}

/**
 * A worker process: the registry's services driven by jobs instead of requests. It processes the
 * shared BullMQ queue (any number of workers may), keeps the maintenance schedules, and serves
 * /healthz, /readyz (the registry's dependency checks) and /metrics for its orchestrator.
 */
export async function startWorker(config: BerthConfig, logger: Logger = createLogger(config)): Promise<RunningWorker> {
  if (config.redis.url === undefined) {
    throw new Error('berth-worker needs redis.url (REDIS_URL): without Redis the registry runs the jobs in its own process');
  }
  const runtime = await openRuntime(config, logger, { runsJobs: true });
  await runtime.startJobs();
  let draining = false;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.method === 'GET' && req.url === '/readyz') {
      readinessAnswer(runtime.readiness, draining).then(
        ({ statusCode, body }) => res.writeHead(statusCode, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body)),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (req.method === 'GET' && req.url === '/metrics') {
      runtime.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': runtime.metrics.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  try {
    await listenOn(server, config.jobs.workerPort, config.server.host, { port: 'jobs.workerPort', host: 'server.host' });
  } catch (error) {
    await runtime.close(0);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    url: `http://${host}:${port}`,
    logger,
    async close(graceSeconds = config.server.shutdownGraceSeconds) {
      draining = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close(graceSeconds * 1000);
    },
  };
}
