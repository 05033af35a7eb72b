import type { ManifestDoc } from '../api/content.js';
import { pushBlob, pushManifest } from '../api/helpers.js';
import type { Credentials } from '../auth/registry-http.js';
import { dancePushBlob, tokenFetch } from '../auth/token-dance.js';
import { cosignSignature, referrerSignature, sigTag, type TestKey } from './signature-docs.js';

export { ecKey, enforce, sigTag, type TestKey } from './signature-docs.js';

/** Push a cosign legacy signature for `subject` into `repo` (as `cosign sign` does); its manifest. */
export async function pushCosignSignature(base: string, repo: string, key: TestKey, subject: string, options: { payload?: string; signature?: string } = {}): Promise<ManifestDoc> {
  const { manifest, blobs } = cosignSignature(key, subject, options);
  for (const blob of blobs) await pushBlob(base, repo, blob);
  await pushManifest(base, repo, sigTag(subject), manifest);
  return manifest;
}

/** A cosign OCI 1.1 referrers-mode signature of `subject`, pushed by digest; its manifest. */
export async function pushReferrerSignature(base: string, repo: string, key: TestKey, subject: { mediaType: string; digest: string; size: number }, label: string): Promise<ManifestDoc> {
  const { manifest, blobs } = referrerSignature(key, subject, label);
  for (const blob of blobs) await pushBlob(base, repo, blob);
  await pushManifest(base, repo, manifest.digest, manifest);
  return manifest;
}

/** pushCosignSignature through the token dance, as `credentials` (authentication on). */
export async function dancePushCosignSignature(
  base: string,
  repo: string,
  key: TestKey,
  subject: string,
  credentials: Credentials,
  options: { payload?: string; signature?: string } = {},
): Promise<ManifestDoc> {
  const { manifest, blobs } = cosignSignature(key, subject, options);
  for (const blob of blobs) await dancePushBlob(base, repo, blob, credentials);
  const put = await tokenFetch(base, 'PUT', `/v2/${repo}/manifests/${sigTag(subject)}`, { headers: { 'Content-Type': manifest.mediaType }, body: manifest.bytes }, credentials);
  if (put.status !== 201) throw new Error(`pushing the signature of ${subject}: ${put.status} ${put.text()}`);
  return manifest;
}
