import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { AdminError, type AdminServices } from '@berth/core';
import { identityOf } from '../../http/identity.js';
import { checkBodyText, checkPathNames } from './input-checks.js';
import { ADMIN_ROUTES, type AdminRoute } from './route-table.js';

export { ADMIN_ROUTES, type AdminRoute, type AdminRight } from './route-table.js';
export { openApiDocument, pathParameters, type OpenApiDocument } from './openapi.js';

export interface AdminRouterDeps {
  services: AdminServices;
  /** Largest JSON body accepted (express.json syntax). */
  bodyLimit?: string;
}

/**
 * The admin API, mounted at /api/v1 after the authenticate middleware (the caller comes from
 * identityOf). Routes come from ADMIN_ROUTES; errors go to the app's error middleware as AdminError.
 */
export function adminRouter(deps: AdminRouterDeps): Router {
  const router = express.Router({ caseSensitive: true, strict: false });
  router.use(express.json({ limit: deps.bodyLimit ?? '64kb' }));
  router.use(bodyErrors);
  for (const route of ADMIN_ROUTES) router[route.method](expressPath(route.path), handle(route, deps.services));
  router.use((req: Request) => {
    throw new AdminError('NOT_FOUND', `no admin API endpoint for ${req.method} ${req.baseUrl}${req.path}`);
  });
  return router;
}

function handle(route: AdminRoute, services: AdminServices) {
  return async (req: Request, res: Response): Promise<void> => {
    const { principal } = identityOf(res);
    if (route.right !== 'public' && principal.kind === 'anonymous') {
      throw new AdminError('UNAUTHORIZED', 'the admin API needs an account (Basic credentials or a Bearer token)');
    }
    const params = Object.fromEntries(Object.entries(req.params).map(([key, value]) => [key, String(value)]));
    checkPathNames(params);
    checkBodyText(req.body);
    const answer = await route.handler(services, { principal, params, query: req.query, body: req.body });
    res.setHeader('Cache-Control', 'no-store');
    if (route.status === 204) res.status(204).end();
    else res.status(route.status).json(answer);
  };
}

/** `/projects/{project}` → `/projects/:project`. */
function expressPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** A body that is not JSON, or too large, is the client's mistake: 400 INVALID_INPUT, not a 500. */
const bodyErrors: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') next(new AdminError('INVALID_INPUT', 'the body is not valid JSON', [{ field: '', message: 'not valid JSON' }]));
  else if (type === 'entity.too.large') next(new AdminError('INVALID_INPUT', 'the body is too large', [{ field: '', message: 'too large' }]));
  else if (typeof type === 'string' && type.startsWith('encoding.')) next(new AdminError('INVALID_INPUT', 'unsupported body encoding'));
  else if (type === 'charset.unsupported') next(new AdminError('INVALID_INPUT', 'unsupported charset: send UTF-8 JSON', [{ field: '', message: 'not UTF-8' }]));
  else next(error);
};
