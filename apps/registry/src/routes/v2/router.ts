import type { NextFunction, Request, Response } from 'express';
import { OciError } from '@berth/oci';
import type { RegistryServices } from '@berth/core';
import type { V2Guard, V2Requirement } from '../../auth/v2-guard.js';
import { queryValue, type RouteHandler } from '../../http/context.js';
import { projectOfRepository, setRoute, type RouteName } from '../../http/request-scope.js';
import { baseRoutes, catalogRoutes } from './base.js';
import { blobRoutes } from './blobs.js';
import { manifestRoutes } from './manifests.js';
import { referrersRoutes } from './referrers.js';
import { tagRoutes } from './tags.js';
import { uploadRoutes, uploadSessionRoutes } from './uploads.js';

export type MethodTable = Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', RouteHandler>>;

interface Route {
  /** For the request log and the latency histogram. */
  name: RouteName;
  pattern: RegExp;
  methods: MethodTable;
  /** What the caller must be allowed, checked after `?ns=` routing resolved the name. */
  need: (method: string, name: string, req: Request) => V2Requirement;
}

/** Reads need pull; writes need pull and push (as distribution); DELETE needs delete. */
function repositoryNeed(method: string, name: string): V2Requirement {
  if (method === 'GET' || method === 'HEAD') return { kind: 'repository', name, actions: ['pull'] };
  if (method === 'DELETE') return { kind: 'repository', name, actions: ['delete'] };
  return { kind: 'repository', name, actions: ['pull', 'push'] };
}

/** A cross-repository mount also reads the source repository. */
function uploadNeed(method: string, name: string, req: Request): V2Requirement {
  const from = queryValue(req, 'from');
  const need = repositoryNeed(method, name);
  return from !== undefined && need.kind === 'repository' && queryValue(req, 'mount') !== undefined ? { ...need, mountFrom: from } : need;
}

// Names may contain slashes, so the name capture is greedy and the fixed suffixes decide the route.
// Order matters: upload paths before blob paths.
const ROUTES: Route[] = [
  { name: 'v2_base', pattern: /^\/?$/, methods: baseRoutes, need: () => ({ kind: 'base' }) },
  { name: 'v2_catalog', pattern: /^\/_catalog$/, methods: catalogRoutes, need: () => ({ kind: 'catalog' }) },
  { name: 'v2_manifest', pattern: /^\/(.+)\/manifests\/([^/]+)$/, methods: manifestRoutes, need: repositoryNeed },
  { name: 'v2_upload', pattern: /^\/(.+)\/blobs\/uploads\/?$/, methods: uploadRoutes, need: uploadNeed },
  { name: 'v2_upload_session', pattern: /^\/(.+)\/blobs\/uploads\/([^/]+)$/, methods: uploadSessionRoutes, need: repositoryNeed },
  { name: 'v2_blob', pattern: /^\/(.+)\/blobs\/([^/]+)$/, methods: blobRoutes, need: repositoryNeed },
  { name: 'v2_tags', pattern: /^\/(.+)\/tags\/list$/, methods: tagRoutes, need: repositoryNeed },
  { name: 'v2_referrers', pattern: /^\/(.+)\/referrers\/([^/]+)$/, methods: referrersRoutes, need: repositoryNeed },
];

/** The /v2 API: dispatches on path pattern and method; every answer names the API version. */
export function v2Router(services: RegistryServices, options: { publicUrl?: string; guard?: V2Guard } = {}) {
  const link = (path: string) => `${options.publicUrl ?? ''}${path}`;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      for (const route of ROUTES) {
        const match = route.pattern.exec(req.path);
        if (match === null) continue;
        setRoute(res, route.name);
        const handler = route.methods[req.method as keyof MethodTable];
        if (handler === undefined) {
          res.setHeader('Allow', Object.keys(route.methods).join(', '));
          throw new OciError('UNSUPPORTED', `${req.method} is not supported on this endpoint`);
        }
        const params = match.slice(1).map((p) => p ?? '');
        const requestedName = params[0] ?? '';
        const ns = queryValue(req, 'ns');
        // ?ns=<registry host> (registry proxying): the name is relative to the proxy project serving that host.
        if (ns !== undefined && params.length > 0) {
          params[0] = await services.proxy.nameForNamespace(ns, requestedName);
          res.setHeader('OCI-Namespace', ns);
        }
        // Every name of one upstream repository is answered as that one repository (proxy projects).
        if (params.length > 0) params[0] = await services.proxy.canonicalName(params[0] ?? '');
        if (params.length > 0) setRoute(res, route.name, projectOfRepository(params[0] ?? ''));
        await options.guard?.check(req, res, route.need(req.method, params[0] ?? '', req));
        await handler({ req, res, services, params, link, requestedName });
        return;
      }
      throw new OciError('NAME_INVALID', `no API endpoint matches ${req.path}`, { status: 404 });
    } catch (error) {
      next(error);
    }
  };
}
