import { cacheStatusHeader, type StoredManifest } from '@berth/core';
import { isDigest } from '@berth/oci';
import type { RouteContext } from '../../http/context.js';
import { queryValues } from '../../http/context.js';
import { readBody } from '../../http/body.js';
import { actorOf } from '../../http/identity.js';
import { publisherRightOf } from '../../http/publisher-right.js';
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

/**
 * Hosted: from the database. Proxy: through the pull-through cache, saying what it did in Cache-Status.
 * Either way the project's signature policy is applied before anything is sent (the /v2 guard has
 * checked access already, so a refusal tells the caller nothing a 404 would not).
 */
async function getManifest(ctx: RouteContext, withBody: boolean): Promise<void> {
  const [name = '', reference = ''] = ctx.params;
  const byDigest = isDigest(reference);
  // The project's content version is read once per request (one Redis GET with Redis): the hosted
  // manifest memory's check and the signature policy's verdicts use the same value.
  const versions = ctx.services.contentVersionReads();
  const proxy = await ctx.services.proxy.contextFor(name);
  const { manifest, outcome } = proxy === null ? { manifest: await ctx.services.manifests.get(name, reference, versions), outcome: undefined } : await ctx.services.proxy.manifests.get(proxy, reference);
  await ctx.services.signatures.check(name, manifest, byDigest, { mayPush: publisherRightOf(ctx.res), versions });
  if (outcome !== undefined) ctx.res.setHeader('Cache-Status', cacheStatusHeader(outcome));
  sendManifest(ctx, manifest, withBody);
}

/** /v2/<name>/manifests/<reference> */
export const manifestRoutes: MethodTable = {
  GET: (ctx) => getManifest(ctx, true),
  HEAD: (ctx) => getManifest(ctx, false),
  async PUT({ req, res, services, link, params: [name = '', reference = ''] }) {
    const body = await readBody(req, services.settings.maxManifestBytes);
    const result = await services.manifests.put(name, reference, body, req.headers['content-type'], { actor: actorOf(req, res), extraTags: queryValues(req, 'tag') });
    res.status(201);
    res.setHeader('Location', link(`/v2/${name}/manifests/${result.digest}`));
    res.setHeader('Docker-Content-Digest', result.digest);
    if (result.subject !== undefined) res.setHeader('OCI-Subject', result.subject);
    res.setHeader('Content-Length', '0');
    res.end();
  },
  async DELETE({ req, res, services, params: [name = '', reference = ''] }) {
    await services.manifests.delete(name, reference, actorOf(req, res));
    res.status(202).setHeader('Content-Length', '0');
    res.end();
  },
};
