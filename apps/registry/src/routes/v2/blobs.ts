import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OciError, formatContentRange, parseRangeHeader } from '@berth/oci';
import { cacheStatusHeader, type ProxyContext } from '@berth/core';
import type { RouteContext } from '../../http/context.js';
import type { MethodTable } from './router.js';

function blobHeaders({ res }: RouteContext, digest: string): void {
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('ETag', `"${digest}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Cache-Control', 'max-age=31536000, immutable');
}

/** Send a blob body; a failure midway (client gone, upstream or storage broke) drops the connection. */
async function streamBody(res: RouteContext['res'], stream: Readable): Promise<void> {
  await pipeline(stream, res).catch((error: unknown) => {
    if (!res.destroyed) res.destroy(error instanceof Error ? error : undefined);
  });
}

/** A blob of a proxy project: from the cache or through the shared fill. */
async function getProxiedBlob(ctx: RouteContext, proxy: ProxyContext, digest: string): Promise<void> {
  const { req, res, services } = ctx;
  const blob = await services.proxy.blobs.read(proxy, digest, req.headers.range);
  res.setHeader('Cache-Status', cacheStatusHeader(blob.outcome));
  blobHeaders(ctx, blob.digest);
  if (blob.range === undefined) {
    res.status(200).setHeader('Content-Length', String(blob.size));
  } else {
    res.status(206).setHeader('Content-Length', String(blob.range.end - blob.range.start + 1));
    res.setHeader('Content-Range', formatContentRange(blob.range, blob.size));
  }
  await streamBody(res, blob.stream);
}

/** /v2/<name>/blobs/<digest> */
export const blobRoutes: MethodTable = {
  async HEAD(ctx) {
    const [name = '', digest = ''] = ctx.params;
    const proxy = await ctx.services.proxy.contextFor(name);
    if (proxy !== null) {
      const info = await ctx.services.proxy.blobs.stat(proxy, digest);
      ctx.res.setHeader('Cache-Status', cacheStatusHeader(info.outcome));
      blobHeaders(ctx, info.digest);
      ctx.res.status(200).setHeader('Content-Length', String(info.size));
      ctx.res.end();
      return;
    }
    const blob = await ctx.services.blobs.stat(name, digest);
    blobHeaders(ctx, blob.digest);
    ctx.res.status(200).setHeader('Content-Length', String(blob.size));
    ctx.res.end();
  },
  async GET(ctx) {
    const [name = '', digest = ''] = ctx.params;
    const { req, res, services } = ctx;
    const proxy = await services.proxy.contextFor(name);
    if (proxy !== null) return getProxiedBlob(ctx, proxy, digest);
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
    await streamBody(res, stream);
  },
  async DELETE({ res, services, params: [name = '', digest = ''] }) {
    await services.blobs.delete(name, digest);
    res.status(202).setHeader('Content-Length', '0');
    res.end();
  },
};
