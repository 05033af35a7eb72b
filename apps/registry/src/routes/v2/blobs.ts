import { pipeline } from 'node:stream/promises';
import { OciError, formatContentRange, parseRangeHeader } from '@berth/oci';
import type { RouteContext } from '../../http/context.js';
import type { MethodTable } from './router.js';

function blobHeaders({ res }: RouteContext, digest: string): void {
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('ETag', `"${digest}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Cache-Control', 'max-age=31536000, immutable');
}

/** /v2/<name>/blobs/<digest> */
export const blobRoutes: MethodTable = {
  async HEAD(ctx) {
    const [name = '', digest = ''] = ctx.params;
    const blob = await ctx.services.blobs.stat(name, digest);
    blobHeaders(ctx, blob.digest);
    ctx.res.status(200).setHeader('Content-Length', String(blob.size));
    ctx.res.end();
  },
  async GET(ctx) {
    const [name = '', digest = ''] = ctx.params;
    const { req, res, services } = ctx;
    const blob = await services.blobs.stat(name, digest);
    const range = parseRangeHeader(req.headers.range, blob.size);
    if (range === 'unsatisfiable') {
      throw new OciError('RANGE_INVALID', `range ${req.headers.range} cannot be satisfied for a ${blob.size}-byte blob`, {
        headers: { 'Content-Range': formatContentRange(undefined, blob.size) },
      });
    }
    const redirectSeconds = services.settings.blobRedirectSeconds;
    if (redirectSeconds !== undefined && range === undefined) {
      const url = await services.blobs.redirectUrl(blob.digest, redirectSeconds);
      if (url !== undefined) {
        res.status(307).setHeader('Location', url);
        res.setHeader('Docker-Content-Digest', blob.digest);
        res.end();
        return;
      }
    }
    blobHeaders(ctx, blob.digest);
    if (blob.size === 0) {
      res.status(200).setHeader('Content-Length', '0');
      res.end();
      return;
    }
    const stream = await services.blobs.open(blob.digest, range);
    if (range === undefined) {
      res.status(200).setHeader('Content-Length', String(blob.size));
    } else {
      res.status(206).setHeader('Content-Length', String(range.end - range.start + 1));
      res.setHeader('Content-Range', formatContentRange(range, blob.size));
    }
    await pipeline(stream, res).catch((error: unknown) => {
      // The client went away or storage failed mid-body: headers are out, so just drop the connection.
      if (!res.destroyed) res.destroy(error instanceof Error ? error : undefined);
    });
  },
  async DELETE({ res, services, params: [name = '', digest = ''] }) {
    await services.blobs.delete(name, digest);
    res.status(202).setHeader('Content-Length', '0');
    res.end();
  },
};
