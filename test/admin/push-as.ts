import { send, type HttpResult } from '../api/helpers.js';
import { descriptor, MEDIA, ociManifest, randomBlob, randomConfig, type Blob, type ManifestDoc } from '../api/content.js';
import { basic, type Account } from './api.js';

// Pushes over /v2 with Basic credentials (or none), for tests that care who pushed.

/** Basic credentials of an account, a Berth bearer token, or nobody. */
export type Caller = Account | { bearer: string } | undefined;

const authorization = (as: Caller): Record<string, string> => {
  if (as === undefined) return {};
  return { Authorization: 'bearer' in as ? `Bearer ${as.bearer}` : basic(as) };
};

/** A monolithic blob upload (POST with the digest and the body). */
export async function pushBlobAs(base: string, repository: string, blob: Blob, as?: Caller): Promise<HttpResult> {
  return send(base, 'POST', `/v2/${repository}/blobs/uploads/?digest=${encodeURIComponent(blob.digest)}`, {
    headers: { ...authorization(as), 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
    body: blob.bytes,
  });
}

export async function putManifestAs(base: string, repository: string, reference: string, manifest: ManifestDoc, as?: Caller): Promise<HttpResult> {
  return send(base, 'PUT', `/v2/${repository}/manifests/${reference}`, { headers: { ...authorization(as), 'Content-Type': manifest.mediaType }, body: manifest.bytes });
}

/** Config, one layer and a manifest (under `reference`; by its digest when null), failing loudly on any refusal; the manifest. */
export async function pushImageAs(
  base: string,
  repository: string,
  reference: string | null,
  as?: Caller,
  extra: { subject?: ManifestDoc; artifactType?: string } = {},
): Promise<ManifestDoc> {
  const config = randomConfig();
  const layer = randomBlob(300);
  for (const blob of [config, layer]) {
    const pushed = await pushBlobAs(base, repository, blob, as);
    if (pushed.status !== 201) throw new Error(`blob push to ${repository}: ${pushed.status} ${pushed.text()}`);
  }
  const manifest = ociManifest({
    config: descriptor(MEDIA.ociConfig, config),
    layers: [descriptor(MEDIA.ociLayer, layer)],
    ...(extra.subject !== undefined ? { subject: descriptor(extra.subject.mediaType, extra.subject) } : {}),
    ...(extra.artifactType !== undefined ? { artifactType: extra.artifactType } : {}),
  });
  const put = await putManifestAs(base, repository, reference ?? manifest.digest, manifest, as);
  if (put.status !== 201) throw new Error(`manifest push to ${repository}:${reference}: ${put.status} ${put.text()}`);
  return manifest;
}

export async function deleteManifestAs(base: string, repository: string, reference: string, as?: Caller): Promise<HttpResult> {
  return send(base, 'DELETE', `/v2/${repository}/manifests/${reference}`, { headers: authorization(as) });
}

export async function getManifestAs(base: string, repository: string, reference: string, as?: Caller): Promise<HttpResult> {
  return send(base, 'GET', `/v2/${repository}/manifests/${reference}`, { headers: { ...authorization(as), Accept: MEDIA.ociManifest } });
}
