import type { Request, RequestHandler } from 'express';
import { AdminError } from '@berth/core';
import { OciError } from '@berth/oci';
import { setRoute } from '../http/request-scope.js';

/**
 * The answer to every request no router took: a JSON error body (never Express's HTML page). The
 * token endpoints answer in the OCI catalogue as they do when they serve, everything else in the
 * admin one. With authentication off, the admin API and the token endpoints are not mounted; they
 * say why.
 */
export function fallback(options: { authEnabled: boolean }): RequestHandler {
  return (req, res) => {
    if (isUnder(req, '/token') || isUnder(req, '/.well-known/jwks.json')) {
      setRoute(res, 'token');
      const message = options.authEnabled ? `no endpoint for ${req.method} ${req.path}` : 'token authentication is off (auth.enabled: false): /v2 needs no token on this server';
      throw new OciError('UNSUPPORTED', message, { status: 404 });
    }
    if (!options.authEnabled && isUnder(req, '/api/v1')) {
      setRoute(res, 'admin');
      throw new AdminError('NOT_FOUND', 'the admin API is unavailable: authentication is off (auth.enabled: false), and every admin route acts for an account');
    }
    const hint = req.path === '/' ? '; the registry API is at /v2/' : '';
    throw new AdminError('NOT_FOUND', `no endpoint for ${req.method} ${req.path}${hint}`);
  };
}

function isUnder(req: Request, prefix: string): boolean {
  return req.path === prefix || req.path.startsWith(`${prefix}/`);
}
