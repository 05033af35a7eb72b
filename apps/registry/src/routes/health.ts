import express, { type Router } from 'express';
import { readinessAnswer, type Readiness } from '@berth/runtime';
import { setRoute } from '../http/request-scope.js';

export interface HealthDeps {
  readiness: Readiness;
  /** True once shutdown began: /readyz then answers 503 "shutting down" without checking anything. */
  draining(): boolean;
}

/**
 * Probes for orchestrators and load balancers, without authentication: /healthz says the process
 * serves (no dependency is asked), /readyz whether it can do its work (database, migrations,
 * storage, Redis) with one entry per dependency.
 */
export function healthRouter(deps: HealthDeps): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    setRoute(res, 'healthz');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    setRoute(res, 'readyz');
    const answer = await readinessAnswer(deps.readiness, deps.draining());
    res.setHeader('Cache-Control', 'no-store');
    res.status(answer.statusCode).json(answer.body);
  });
  return router;
}
