import { MEDIA, descriptor, ociManifest, randomBlob, randomConfig, type Blob, type ManifestDoc } from '../api/content.js';
import { basicHeader, describeResult, parseBearerChallenge, send, type Credentials, type HttpResult, type SendInit } from './registry-http.js';

// The Docker token dance as registry clients do it, with plain fetch: send the request without
// credentials; on a 401 with a Bearer challenge, ask the challenge's realm for a token for its service
// and scope (with Basic credentials, or none for an anonymous token) and send the request again with it.

export interface DanceResult extends HttpResult {
  /** The token the retry carried; absent when the first answer was not a Bearer challenge. */
  token?: string;
  /** The challenge that started the dance. */
  challenge?: Record<string, string>;
}

/** GET `<realm>?service=&scope=` as a client does; the raw answer of the token endpoint. */
export async function requestToken(
  base: string,
  challenge: Record<string, string>,
  credentials?: Credentials,
): Promise<HttpResult> {
  const url = new URL(challenge.realm ?? '/token', base);
  if (challenge.service !== undefined) url.searchParams.set('service', challenge.service);
  if (challenge.scope !== undefined) url.searchParams.set('scope', challenge.scope);
  return send(base, 'GET', url.toString(), credentials !== undefined ? { headers: { Authorization: basicHeader(credentials) } } : {});
}

/** One request with the token dance; throws when the token endpoint refuses the credentials. */
export async function tokenFetch(
  base: string,
  method: string,
  target: string,
  init: SendInit = {},
  credentials?: Credentials,
): Promise<DanceResult> {
  const first = await send(base, method, target, init);
  const header = first.headers.get('www-authenticate');
  if (first.status !== 401 || header === null || !header.startsWith('Bearer ')) return first;
  const challenge = parseBearerChallenge(header);
  const issued = await requestToken(base, challenge, credentials);
  if (issued.status !== 200) throw new Error(`token for ${challenge.scope ?? '(no scope)'}: ${describeResult(issued)}`);
  const { token } = issued.json<{ token: string }>();
  const retry = await send(base, method, target, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
  return { ...retry, token, challenge };
}

/** Upload a blob (POST then PUT) through the dance; throws unless it was created. */
export async function dancePushBlob(base: string, repository: string, blob: Blob, credentials?: Credentials): Promise<void> {
  const started = await tokenFetch(base, 'POST', `/v2/${repository}/blobs/uploads/`, { headers: { 'Content-Length': '0' } }, credentials);
  const location = started.headers.get('location');
  if (started.status !== 202 || location === null) throw new Error(`starting an upload in ${repository}: ${describeResult(started)}`);
  const url = new URL(location, base);
  url.searchParams.set('digest', blob.digest);
  const put = await tokenFetch(base, 'PUT', url.toString(), { headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes }, credentials);
  if (put.status !== 201) throw new Error(`uploading ${blob.digest} to ${repository}: ${describeResult(put)}`);
}

export interface DancePushedImage {
  manifest: ManifestDoc;
  config: Blob;
  layer: Blob;
}

/** Push a small one-layer OCI image under `tag` through the dance. */
export async function dancePushImage(base: string, repository: string, tag: string, credentials?: Credentials): Promise<DancePushedImage> {
  const config = randomConfig();
  const layer = randomBlob(512);
  for (const blob of [config, layer]) await dancePushBlob(base, repository, blob, credentials);
  const manifest = ociManifest({ config: descriptor(MEDIA.ociConfig, config), layers: [descriptor(MEDIA.ociLayer, layer)] });
  const put = await tokenFetch(base, 'PUT', `/v2/${repository}/manifests/${tag}`, { headers: { 'Content-Type': manifest.mediaType }, body: manifest.bytes }, credentials);
  if (put.status !== 201) throw new Error(`pushing ${repository}:${tag}: ${describeResult(put)}`);
  return { manifest, config, layer };
}

/** GET a manifest through the dance. */
export function danceGetManifest(base: string, repository: string, reference: string, credentials?: Credentials): Promise<DanceResult> {
  return tokenFetch(base, 'GET', `/v2/${repository}/manifests/${reference}`, { headers: { Accept: MEDIA.ociManifest } }, credentials);
}
