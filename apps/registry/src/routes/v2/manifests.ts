import type { StoredManifest } from '@berth/core';
import type { RouteContext } from '../../http/context.js';
import { queryValues } from '../../http/context.js';
import { readBody } from '../../http/body.js';
import type { MethodTable } from './router.js';

function sendManifest({ res }: RouteContext, manifest: StoredManifest, withBody: boolean): void {
  res.status(200);
  res.setHeader('Content-Type', manifest.mediaType);
  res.setHeader('Content-Length', String(manifest.content.byteLength));
  res.setHeader('Docker-Content-Digest', manifest.digest);
  res.setHeader('ETag', `"${manifest.digest}"`);
  if (manifest.subject !== null) res.setHeader('OCI-Subject', manifest.subject);
  res.end(withBody ? manifest.content : undefined);
}

/** /v2/<name>/manifests/<reference> */
export const manifestRoutes: MethodTable = {
  async GET(ctx) {
    const [name = '', reference = ''] = ctx.params;
    sendManifest(ctx, await ctx.services.manifests.get(name, reference), true);
  },
  async HEAD(ctx) {
    const [name = '', reference = ''] = ctx.params;
    sendManifest(ctx, await ctx.services.manifests.get(name, reference), false);
  },
  async PUT({ req, res, services, link, params: [name = '', reference = ''] }) {
    const body = await readBody(req, services.settings.maxManifestBytes);
    const result = await services.manifests.put(name, reference, body, req.headers['content-type'], queryValues(req, 'tag'));
    res.status(201);
    res.setHeader('Location', link(`/v2/${name}/manifests/${result.digest}`));
    res.setHeader('Docker-Content-Digest', result.digest);
    if (result.subject !== undefined) res.setHeader('OCI-Subject', result.subject);
    res.setHeader('Content-Length', '0');
    res.end();
  },
  async DELETE({ res, services, params: [name = '', reference = ''] }) {
    await services.manifests.delete(name, reference);
    res.status(202).setHeader('Content-Length', '0');
    res.end();
  },
};
