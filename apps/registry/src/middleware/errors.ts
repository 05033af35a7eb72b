import type { ErrorRequestHandler, Request, Response } from 'express';
import { AdminError, adminErrorFor, storageFull } from '@berth/core';
import { DatabaseUnavailableError } from '@berth/db';
import { OciError } from '@berth/oci';
import { isNoSpaceError, StorageFullError } from '@berth/storage';
import type { Logger } from 'pino';
import { routeOf } from '../http/request-scope.js';

/** The one place errors become responses: OCI errors as the spec's JSON body, anything else as a 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const admin = error instanceof AdminError ? error : routeOf(res) === 'admin' ? asAdminError(error) : undefined;
    if (admin !== undefined && !res.headersSent) {
      // The admin API's own catalogue (/api/v1), written in the same {"errors":[...]} shape.
      for (const [name, value] of Object.entries(admin.headers)) res.setHeader(name, value);
      res.status(admin.status).json(admin.toBody());
      return;
    }
    const oci = error instanceof OciError ? error : toOciError(error);
    if (oci.code === 'UNAVAILABLE') {
      // An outage (upstream, database, full disk) is an operating condition, not a bug: one line, no stack.
      logger.warn({ code: oci.code, status: oci.status, reason: oci.message, ...where(req, res) }, 'request failed: unavailable');
    } else if (oci.status >= 500) {
      logger.error({ err: error, ...where(req, res) }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A write that failed midway (disk full) left part of the body unread: it is read into nothing,
    // so the client, still sending, is not reset and gets to read the answer.
    // Unpiped first: a body handed to a service as uploadBody's stream that nobody reads any more
    // would stop the request again as soon as that stream's buffer is full.
    if (!req.complete && !req.destroyed) {
      req.unpipe();
      req.resume();
    }
    for (const [name, value] of Object.entries(oci.headers)) res.setHeader(name, value);
    res.status(oci.status);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.json(oci.toBody());
  };
}

/** The request as error lines name it, matching its request-log line by reqId; /token without its query. */
function where(req: Request, res: Response): Record<string, unknown> {
  const route = routeOf(res);
  return { reqId: res.getHeader('x-request-id'), method: req.method, route, url: route === 'token' ? req.path : req.originalUrl };
}

/**
 * An /api/v1 request answers in the admin catalogue even when the client error came from outside
 * the admin services (the lockout's 429 from the shared login, a path Express could not decode).
 * Server errors stay INTERNAL_ERROR.
 */
function asAdminError(error: unknown): AdminError | undefined {
  if (error instanceof OciError) return error.status < 500 ? adminErrorFor(error.status, error.message, error.headers) : undefined;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return adminErrorFor(status, error instanceof Error ? error.message : 'bad request');
  return undefined;
}

function toOciError(error: unknown): OciError {
  // The database is down or unreachable: the request may be retried later, it is not a bug.
  if (error instanceof DatabaseUnavailableError) {
    return new OciError('UNAVAILABLE', error.message, { detail: { dependency: 'database', reason: error.reason }, cause: error });
  }
  // A full disk anywhere (blob storage, the fill's spool under dataDir): 507, retry once space is freed.
  if (error instanceof StorageFullError || isNoSpaceError(error)) return storageFull(error as Error);
  // Body-parser style errors carry an HTTP status; a client error must not become a 500.
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new OciError('UNSUPPORTED', error instanceof Error ? error.message : 'bad request', { status });
  }
  return new OciError('INTERNAL_ERROR', undefined, { cause: error });
}
