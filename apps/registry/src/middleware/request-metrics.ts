import type { RequestHandler } from 'express';
import type { HttpMetrics } from '@berth/runtime';
import { routeOf } from '../http/request-scope.js';

/**
 * Observe every request in the latency histogram when its response finished or its connection
 * closed (status 0 when no answer was sent), under the route name the router set.
 */
export function requestMetrics(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe({ route: routeOf(res), method: req.method, status: res.headersSent ? res.statusCode : 0 }, seconds);
    });
    next();
  };
}
