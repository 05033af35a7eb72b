import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, ociManifest, type Blob, type ManifestDoc } from '../api/content.js';
import { pushBlob, pushManifest } from '../api/helpers.js';
import type { Credentials } from '../auth/registry-http.js';
import { dancePushBlob, tokenFetch } from '../auth/token-dance.js';

/**
 * Cosign-format signatures made in the test with Node's crypto (the same bytes `cosign sign --key`
 * writes: a simple-signing payload blob, its ECDSA signature in the layer's annotation), for the
 * service-backed tests; test/e2e/signature-policy.test.ts signs with the real cosign and notation.
 */

export interface TestKey {
  privateKey: KeyObject;
  publicPem: string;
}

export function ecKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

export function simpleSigningPayload(subject: string): string {
  return JSON.stringify({ critical: { identity: { 'docker-reference': 'example.test/app' }, image: { 'docker-manifest-digest': subject }, type: 'cosign container image signature' }, optional: null });
}

/** A cosign legacy signature manifest (pushed under `sha256-<hex>.sig`) over `subject`; `payload` and `signature` may be made wrong. */
export function cosignSignature(key: TestKey, subject: string, options: { payload?: string; signature?: string } = {}): { manifest: ManifestDoc; blobs: Blob[] } {
  const payload = blobOf(options.payload ?? simpleSigningPayload(subject));
  const signature = options.signature ?? sign('sha256', payload.bytes, key.privateKey).toString('base64');
  const manifest = ociManifest({
    config: { ...descriptor(MEDIA.ociConfig, EMPTY_JSON) },
    layers: [{ ...descriptor(SIMPLE_SIGNING, payload), annotations: { [SIGNATURE_ANNOTATION]: signature } }],
  });
  return { manifest, blobs: [EMPTY_JSON, payload] };
}

export function sigTag(subject: string): string {
  return `${subject.replace(':', '-')}.sig`;
}

/** Push a cosign legacy signature for `subject` into `repo` (as `cosign sign` does); its manifest. */
export async function pushCosignSignature(base: string, repo: string, key: TestKey, subject: string, options: { payload?: string; signature?: string } = {}): Promise<ManifestDoc> {
  const { manifest, blobs } = cosignSignature(key, subject, options);
  for (const blob of blobs) await pushBlob(base, repo, blob);
  await pushManifest(base, repo, sigTag(subject), manifest);
  return manifest;
}

export function enforce(...keys: TestKey[]): Record<string, unknown> {
  return { mode: 'enforce', cosign: { keys: keys.map((key, i) => ({ name: `key${i}`, publicKey: key.publicPem })) } };
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

const COSIGN_SIG_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/**
 * A cosign signature in OCI 1.1 referrers mode (`cosign sign --registry-referrers-mode oci-1-1`):
 * artifactType and config of cosign's signature type, the simple-signing layer, `subject` the image.
 * `label` makes each one's payload (and digest) distinct.
 */
export async function pushReferrerSignature(base: string, repo: string, key: TestKey, subject: { mediaType: string; digest: string; size: number }, label: string): Promise<ManifestDoc> {
  const payload = blobOf(simpleSigningPayload(subject.digest).replace('"optional":null', `"optional":{"label":"${label}"}`));
  const signature = sign('sha256', payload.bytes, key.privateKey).toString('base64');
  const config = EMPTY_JSON;
  const manifest = ociManifest({
    artifactType: COSIGN_SIG_ARTIFACT,
    config: { ...descriptor(COSIGN_SIG_ARTIFACT, config) },
    layers: [{ ...descriptor(SIMPLE_SIGNING, payload), annotations: { [SIGNATURE_ANNOTATION]: signature } }],
    subject,
  });
  for (const blob of [config, payload]) await pushBlob(base, repo, blob);
  await pushManifest(base, repo, manifest.digest, manifest);
  return manifest;
}
