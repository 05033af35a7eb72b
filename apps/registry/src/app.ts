import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RegistryServices } from '@berth/core';
import { errorHandler } from './middleware/errors.js';
import { requestLog } from './middleware/request-log.js';
import { v2Router } from './routes/v2/router.js';

export interface AppDeps {
  services: RegistryServices;
  logger: Logger;
  /** Honour X-Forwarded-* from a reverse proxy. */
  trustProxy?: boolean;
  /** Absolute base URL for Location and Link headers (behind a reverse proxy). */
  publicUrl?: string;
  /** Prometheus registry served at GET /metrics. */
  metrics?: Registry;
}

/** The HTTP application, without listening: main.ts and the tests both start it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));
  const metrics = deps.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', metrics.contentType);
      res.end(await metrics.metrics());
    });
  }
  app.use('/v2', v2Router(deps.services, deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}));
  app.use(errorHandler(deps.logger));
  return app;
}
