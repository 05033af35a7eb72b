import type { NextFunction, Request, Response } from 'express';
import { OciError } from '@berth/oci';
import type { RegistryServices } from '@berth/core';
import { queryValue, type RouteHandler } from '../../http/context.js';
import { baseRoutes, catalogRoutes } from './base.js';
import { blobRoutes } from './blobs.js';
import { manifestRoutes } from './manifests.js';
import { referrersRoutes } from './referrers.js';
import { tagRoutes } from './tags.js';
import { uploadRoutes, uploadSessionRoutes } from './uploads.js';

export type MethodTable = Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', RouteHandler>>;

interface Route {
  pattern: RegExp;
  methods: MethodTable;
}

// Names may contain slashes, so the name capture is greedy and the fixed suffixes decide the route.
// Order matters: upload paths before blob paths.
const ROUTES: Route[] = [
  { pattern: /^\/?$/, methods: baseRoutes },
  { pattern: /^\/_catalog$/, methods: catalogRoutes },
  { pattern: /^\/(.+)\/manifests\/([^/]+)$/, methods: manifestRoutes },
  { pattern: /^\/(.+)\/blobs\/uploads\/?$/, methods: uploadRoutes },
  { pattern: /^\/(.+)\/blobs\/uploads\/([^/]+)$/, methods: uploadSessionRoutes },
  { pattern: /^\/(.+)\/blobs\/([^/]+)$/, methods: blobRoutes },
  { pattern: /^\/(.+)\/tags\/list$/, methods: tagRoutes },
  { pattern: /^\/(.+)\/referrers\/([^/]+)$/, methods: referrersRoutes },
];

/** The /v2 API: dispatches on path pattern and method; every answer names the API version. */
export function v2Router(services: RegistryServices, options: { publicUrl?: string } = {}) {
  const link = (path: string) => `${options.publicUrl ?? ''}${path}`;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      for (const route of ROUTES) {
        const match = route.pattern.exec(req.path);
        if (match === null) continue;
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
        await handler({ req, res, services, params, link, requestedName });
        return;
      }
      throw new OciError('NAME_INVALID', `no API endpoint matches ${req.path}`, { status: 404 });
    } catch (error) {
      next(error);
    }
  };
}
