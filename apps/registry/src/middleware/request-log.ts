import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { cacheResultOf } from '../http/cache-result.js';
import { accountOf } from '../http/identity.js';
import { projectOf, routeOf } from '../http/request-scope.js';

/**
 * One log line per request: id, method, route name, project and account (when known), path, status, response
 * bytes, duration, and what the pull-through cache did. Only the path is logged, never the query
 * string or headers (credentials travel in Authorization; pino's redaction covers the rest).
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: routers mounted on a prefix (/v2, /api/v1) strip it from req.path while they handle the request.
    const path = req.path;
    const id = req.headers['x-request-id']?.toString() ?? randomUUID();
    res.setHeader('X-Request-Id', id);
    res.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const status = res.headersSent ? res.statusCode : 0;
      const level = status >= 500 || status === 0 ? 'warn' : 'info';
      const project = projectOf(res);
      const account = accountOf(res);
      const cache = cacheResultOf(res.getHeader('cache-status'));
      logger[level](
        {
          reqId: id,
          method: req.method,
          route: routeOf(res),
          ...(project !== undefined ? { project } : {}),
          ...(account !== undefined ? { account } : {}),
          path,
          status,
          bytes: Number(res.getHeader('content-length') ?? 0),
          durationMs: Math.round(durationMs * 10) / 10,
          ...(cache !== undefined ? { cache } : {}),
          completed: res.writableFinished,
        },
        'request',
      );
    });
    next();
  };
}
