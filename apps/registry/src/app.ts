import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AdminServices, RegistryServices } from '@berth/core';
import type { HttpMetrics } from '@berth/runtime';
import { V2Guard, type AuthRuntime } from './auth/v2-guard.js';
import { setRoute } from './http/request-scope.js';
import { authenticate } from './middleware/authenticate.js';
import { errorHandler } from './middleware/errors.js';
import { requestLog } from './middleware/request-log.js';
import { requestMetrics } from './middleware/request-metrics.js';
import { adminRouter } from './routes/admin/index.js';
import { fallback } from './routes/fallback.js';
import { consoleRouter } from './routes/console.js';
import { healthRouter, type HealthDeps } from './routes/health.js';
import { tokenRouter } from './routes/token.js';
import { v2Router } from './routes/v2/router.js';

export interface AppDeps {
  services: RegistryServices;
  logger: Logger;
  /** Express's `trust proxy`: the peers whose X-Forwarded-* are honoured (trustedProxiesSetting); none by default. */
  trustProxy?: string[] | false;
  /** Absolute base URL for Location and Link headers (behind a reverse proxy). */
  publicUrl?: string;
  /** Prometheus metrics served at GET /metrics (a prom-client Registry). */
  metrics?: { contentType: string; metrics(): Promise<string> };
  /** The HTTP latency histogram every request is observed in. */
  httpMetrics?: HttpMetrics;
  /** /healthz and /readyz (no authentication). */
  health?: HealthDeps;
  /** Token authentication; absent when auth.enabled is false (every request allowed). */
  auth?: AuthRuntime;
  /** The admin API's services (with auth only: every route needs an account). */
  admin?: AdminServices;
  /** Where the built web console is (served at `/` with the admin API); apps/console/dist by default. */
  consoleDir?: string;
}

/** The HTTP application, without listening: main.ts and the tests both start it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));
  if (deps.httpMetrics !== undefined) app.use(requestMetrics(deps.httpMetrics));
  if (deps.health !== undefined) app.use(healthRouter(deps.health));
  const metrics = deps.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', async (_req, res) => {
      setRoute(res, 'metrics');
      res.setHeader('Content-Type', metrics.contentType);
      res.end(await metrics.metrics());
    });
  }
  const auth = deps.auth;
  if (auth !== undefined) {
    app.use(tokenRouter(auth));
    app.use('/api/v1', (req, res, next) => {
      setRoute(res, 'admin', /^\/projects\/([^/]+)/.exec(req.path)?.[1]);
      next();
    });
    app.use('/api/v1', authenticate(auth));
    if (deps.admin !== undefined) {
      app.use('/api/v1', adminRouter({ services: deps.admin }));
      app.use(consoleRouter(deps.consoleDir));
    }
  }
  app.use(
    '/v2',
    v2Router(deps.services, {
      ...(deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}),
      ...(auth !== undefined ? { guard: new V2Guard(auth) } : {}),
    }),
  );
  app.use(fallback({ authEnabled: auth !== undefined }));
  app.use(errorHandler(deps.logger));
  return app;
}
