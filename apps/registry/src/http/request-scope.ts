import type { Response } from 'express';

/**
 * Low-cardinality names of what a request was, for the request log and the HTTP latency histogram.
 * Set where the route is matched (the /v2 dispatcher, the token router, the admin mount, the health
 * routes); anything unmatched stays `other`.
 */
export type RouteName =
  | 'v2_base'
  | 'v2_catalog'
  | 'v2_manifest'
  | 'v2_blob'
  | 'v2_upload'
  | 'v2_upload_session'
  | 'v2_tags'
  | 'v2_referrers'
  | 'token'
  | 'admin'
  | 'console'
  | 'metrics'
  | 'healthz'
  | 'readyz'
  | 'other';

interface RequestScope {
  route: RouteName;
  /** The project the request addresses, once known. */
  project?: string;
}

// Keyed by the response: it lives exactly as long as the request, and res.locals is untyped.
const scopes = new WeakMap<Response, RequestScope>();

export function setRoute(res: Response, route: RouteName, project?: string): void {
  scopes.set(res, { route, ...(project !== undefined && project !== '' ? { project } : {}) });
}

export function routeOf(res: Response): RouteName {
  return scopes.get(res)?.route ?? 'other';
}

export function projectOf(res: Response): string | undefined {
  return scopes.get(res)?.project;
}

/** The project of a repository name: its first path component. */
export function projectOfRepository(name: string): string | undefined {
  const first = name.split('/')[0];
  return first === undefined || first === '' ? undefined : first;
}
