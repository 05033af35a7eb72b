import type { Request, RequestHandler } from 'express';
import { AdminError } from '@berth/core';
import { setRoute } from '../http/request-scope.js';

/**
 * The answer to every request no router took: a JSON error body (never Express's HTML page). With
 * authentication off, the admin API and the token endpoints are not mounted; they say why.
 */
export function fallback(options: { authEnabled: boolean }): RequestHandler {
  return (req, res) => {
    if (!options.authEnabled && isUnder(req, '/api/v1')) {
      setRoute(res, 'admin');
      throw new AdminError(
        'NOT_FOUND',
        'the admin API is off because authentication is off (auth.enabled: false); every admin route acts as an account, so it needs auth.enabled: true',
      );
    }
    if (!options.authEnabled && (isUnder(req, '/token') || isUnder(req, '/.well-known/jwks.json'))) {
      setRoute(res, 'token');
      throw new AdminError('NOT_FOUND', 'token authentication is off (auth.enabled: false): /v2 needs no token on this server');
    }
    const hint = req.path === '/' ? '; the registry API is at /v2/' : '';
    throw new AdminError('NOT_FOUND', `no endpoint for ${req.method} ${req.path}${hint}`);
  };
}

function isUnder(req: Request, prefix: string): boolean {
  return req.path === prefix || req.path.startsWith(`${prefix}/`);
}
