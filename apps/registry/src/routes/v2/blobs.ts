import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatContentRange, satisfiableRange, type ByteRange } from '@berth/oci';
import { cacheStatusHeader } from '@berth/core';
import { isDirectSendable } from '@berth/storage';
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
  // A stored file writes itself into the response with reused buffers; anything else is piped.
  const sending = isDirectSendable(stream) ? stream.sendTo(res).then(() => void res.end()) : pipeline(stream, res);
  await sending.catch((error: unknown) => {
    stream.destroy();
    if (!res.destroyed) res.destroy(error instanceof Error ? error : undefined);
  });
}

/** 200 with the whole blob or 206 with a range of it, streamed. */
async function sendBlob(ctx: RouteContext, blob: { digest: string; size: number; range?: ByteRange | undefined; stream: Readable }): Promise<void> {
  const { res } = ctx;
  blobHeaders(ctx, blob.digest);
  if (blob.range === undefined) {
    res.status(200).setHeader('Content-Length', String(blob.size));
  } else {
    res.status(206).setHeader('Content-Length', String(blob.range.end - blob.range.start + 1));
    res.setHeader('Content-Range', formatContentRange(blob.range, blob.size));
  }
  await streamBody(res, blob.stream);
}

/** HEAD: the blob's headers and length, no body. */
function sendBlobHead(ctx: RouteContext, blob: { digest: string; size: number }): void {
  blobHeaders(ctx, blob.digest);
  ctx.res.status(200).setHeader('Content-Length', String(blob.size));
  ctx.res.end();
}

/** /v2/<name>/blobs/<digest> */
export const blobRoutes: MethodTable = {
  async HEAD(ctx) {
    const [name = '', digest = ''] = ctx.params;
    const proxy = await ctx.services.proxy.contextFor(name);
    if (proxy !== null) {
      const info = await ctx.services.proxy.blobs.stat(proxy, digest);
      ctx.res.setHeader('Cache-Status', cacheStatusHeader(info.outcome));
      sendBlobHead(ctx, info);
      return;
    }
    sendBlobHead(ctx, await ctx.services.blobs.stat(name, digest));
  },
  async GET(ctx) {
    const [name = '', digest = ''] = ctx.params;
    const { req, res, services } = ctx;
    const proxy = await services.proxy.contextFor(name);
    if (proxy !== null) {
      // From the cache or through the shared fill.
      const proxied = await services.proxy.blobs.read(proxy, digest, req.headers.range);
      res.setHeader('Cache-Status', cacheStatusHeader(proxied.outcome));
      await sendBlob(ctx, proxied);
      return;
    }
    const blob = await services.blobs.stat(name, digest);
    const range = satisfiableRange(req.headers.range, blob.size);
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
    if (blob.size === 0) {
      sendBlobHead(ctx, blob); // an empty body: nothing to open
      return;
    }
    await sendBlob(ctx, { ...blob, range, stream: await services.blobs.open(blob.digest, range) });
  },
  async DELETE({ res, services, params: [name = '', digest = ''] }) {
    await services.blobs.delete(name, digest);
    // A proxy repository forgets the link here and on every replica: the next read asks the upstream.
    await services.proxy.afterChange(name);
    res.status(202).setHeader('Content-Length', '0');
    res.end();
  },
};
