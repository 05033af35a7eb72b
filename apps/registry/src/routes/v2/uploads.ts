import { parseContentRange } from '@berth/oci';
import { rangeHeaders, type UploadState } from '@berth/core';
import { mountRefused } from '../../auth/v2-guard.js';
import { uploadBody } from '../../http/body.js';
import { hasBody, queryValue, type RouteContext } from '../../http/context.js';
import { actorOf } from '../../http/identity.js';
import type { MethodTable } from './router.js';

function sendProgress({ res, link }: RouteContext, name: string, upload: UploadState, status: 202 | 204): void {
  res.status(status);
  res.setHeader('Location', link(`/v2/${name}/blobs/uploads/${upload.id}`));
  for (const [key, value] of Object.entries(rangeHeaders(upload.id, upload.offset))) res.setHeader(key, value);
  res.setHeader('Content-Length', '0');
  res.end();
}

function sendCreated({ res, link }: RouteContext, name: string, digest: string): void {
  res.status(201);
  res.setHeader('Location', link(`/v2/${name}/blobs/${digest}`));
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Content-Length', '0');
  res.end();
}

function contentRange({ req }: RouteContext): { start: number; end: number } | undefined {
  const header = req.headers['content-range'];
  return header === undefined ? undefined : parseContentRange(header);
}

/** POST /v2/<name>/blobs/uploads/ : start a session, upload monolithically, or mount. */
export const uploadRoutes: MethodTable = {
  async POST(ctx) {
    const [name = ''] = ctx.params;
    const { req, services } = ctx;
    const digest = queryValue(req, 'digest');
    // Without pull on the source, a mount request is a plain upload start (as the spec allows).
    const refused = mountRefused(ctx.res);
    const mount = refused ? undefined : queryValue(req, 'mount');
    const fromParam = refused ? undefined : queryValue(req, 'from');
    const from = fromParam === undefined ? undefined : await services.proxy.canonicalName(fromParam);
    const options = {
      ...(digest !== undefined ? { digest } : {}),
      ...(mount !== undefined ? { mount } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(queryValue(req, 'digest-algorithm') !== undefined ? { algorithm: queryValue(req, 'digest-algorithm') } : {}),
      // A monolithic POST carries the digest; its body may be empty (the empty blob).
      ...(digest !== undefined ? { body: uploadBody(req) } : {}),
      actor: actorOf(req, ctx.res),
    };
    const result = await services.uploads.start(name, options);
    if (result.kind === 'created') sendCreated(ctx, name, result.digest);
    else sendProgress(ctx, name, result.upload, 202);
  },
};

/** /v2/<name>/blobs/uploads/<uuid> : status, chunk, finish, cancel. */
export const uploadSessionRoutes: MethodTable = {
  async GET(ctx) {
    const [name = '', id = ''] = ctx.params;
    sendProgress(ctx, name, await ctx.services.uploads.status(name, id), 204);
  },
  async PATCH(ctx) {
    const [name = '', id = ''] = ctx.params;
    sendProgress(ctx, name, await ctx.services.uploads.append(name, id, uploadBody(ctx.req), contentRange(ctx)), 202);
  },
  async PUT(ctx) {
    const [name = '', id = ''] = ctx.params;
    // A final chunk may carry its Content-Range like a PATCH; one out of order is refused (416) the same way.
    const body = hasBody(ctx.req) ? uploadBody(ctx.req) : undefined;
    const range = body === undefined ? undefined : contentRange(ctx);
    const blob = await ctx.services.uploads.finish(name, id, queryValue(ctx.req, 'digest'), body, range);
    sendCreated(ctx, name, blob.digest);
  },
  async DELETE({ res, services, params: [name = '', id = ''] }) {
    await services.uploads.cancel(name, id);
    res.status(204).end();
  },
};
