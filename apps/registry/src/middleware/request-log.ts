import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/** One log line per request: id, method, path, status, response bytes, duration. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const id = req.headers['x-request-id']?.toString() ?? randomUUID();
    res.setHeader('X-Request-Id', id);
    res.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const status = res.headersSent ? res.statusCode : 0;
      const level = status >= 500 || status === 0 ? 'warn' : 'info';
      logger[level](
        {
          reqId: id,
          method: req.method,
          path: req.path,
          status,
          bytes: Number(res.getHeader('content-length') ?? 0),
          durationMs: Math.round(durationMs * 10) / 10,
          completed: res.writableFinished,
        },
        'request',
      );
    });
    next();
  };
}
