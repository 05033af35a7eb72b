import { MEDIA, descriptor, ociManifest, randomBlob, randomConfig } from '../api/content.js';
import type { Blob, ManifestDoc } from '../api/content.js';
import type { TokenIssuer } from '../harness/token-issuer.js';

// Puts content into a docker-registry for the upstream client to read: plain fetch, optionally
// with a push token from the test token issuer.

export interface PushedImage {
  manifest: ManifestDoc;
  config: Blob;
  layers: Blob[];
}

/** A push+pull token for `repository` straight from the issuer (basic credentials when given). */
export async function pushToken(issuer: TokenIssuer, repository: string, user?: { name: string; password: string }): Promise<string> {
  const url = new URL(issuer.url);
  url.searchParams.set('service', issuer.service);
  url.searchParams.set('scope', `repository:${repository}:pull,push`);
  const headers: Record<string, string> = {};
  if (user !== undefined) headers.authorization = `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`token for pushing to ${repository}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

async function send(base: string, method: string, target: string, token: string | undefined, headers: Record<string, string>, body?: Buffer): Promise<Response> {
  const all = { ...headers, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) };
  return fetch(new URL(target, base), { method, headers: all, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
}

export async function pushBlob(base: string, repository: string, blob: Blob, token?: string): Promise<void> {
  const started = await send(base, 'POST', `/v2/${repository}/blobs/uploads/`, token, { 'content-length': '0' });
  const location = started.headers.get('location');
  if (started.status !== 202 || location === null) throw new Error(`starting an upload: ${started.status} ${await started.text()}`);
  const put = new URL(location, base);
  put.searchParams.set('digest', blob.digest);
  const done = await send(base, 'PUT', put.toString(), token, { 'content-type': 'application/octet-stream' }, blob.bytes);
  if (done.status !== 201) throw new Error(`pushing ${blob.digest}: ${done.status} ${await done.text()}`);
}

export async function pushManifest(base: string, repository: string, reference: string, manifest: ManifestDoc, token?: string): Promise<void> {
  const put = await send(base, 'PUT', `/v2/${repository}/manifests/${reference}`, token, { 'content-type': manifest.mediaType }, manifest.bytes);
  if (put.status !== 201) throw new Error(`pushing manifest ${reference}: ${put.status} ${await put.text()}`);
}

/** A config, layers of the given sizes and an OCI manifest over them, tagged `tag`. */
export async function pushImage(base: string, repository: string, tag: string, layerSizes: number[], token?: string): Promise<PushedImage> {
  const config = randomConfig();
  const layers = layerSizes.map((size) => randomBlob(size));
  for (const blob of [config, ...layers]) await pushBlob(base, repository, blob, token);
  const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: layers.map((layer) => descriptor(MEDIA.ociLayer, layer)) });
  await pushManifest(base, repository, tag, manifest, token);
  return { manifest, config, layers };
}

export { buffer as readAll } from 'node:stream/consumers';
