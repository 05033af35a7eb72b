import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { EMPTY_JSON, MEDIA, blobOf, descriptor, ociManifest, type Blob, type ManifestDoc } from '../api/content.js';

/**
 * Cosign-format signatures made with Node's crypto (the same bytes `cosign sign --key` writes: a
 * simple-signing payload blob, its ECDSA signature in the layer's annotation), for the
 * service-backed tests and the bench; test/e2e/signature-policy.test.ts signs with the real cosign
 * and notation. No jest here, so bench/ can use it.
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
const COSIGN_SIG_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';

export function simpleSigningPayload(subject: string, label?: string): string {
  const optional = label === undefined ? null : { label };
  return JSON.stringify({ critical: { identity: { 'docker-reference': 'example.test/app' }, image: { 'docker-manifest-digest': subject }, type: 'cosign container image signature' }, optional });
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

/**
 * A cosign signature in OCI 1.1 referrers mode (`cosign sign --registry-referrers-mode oci-1-1`):
 * artifactType and config of cosign's signature type, the simple-signing layer, `subject` the image.
 * `label` makes each one's payload (and digest) distinct.
 */
export function referrerSignature(key: TestKey, subject: { mediaType: string; digest: string; size: number }, label: string): { manifest: ManifestDoc; blobs: Blob[] } {
  const payload = blobOf(simpleSigningPayload(subject.digest, label));
  const signature = sign('sha256', payload.bytes, key.privateKey).toString('base64');
  const manifest = ociManifest({
    artifactType: COSIGN_SIG_ARTIFACT,
    config: { ...descriptor(COSIGN_SIG_ARTIFACT, EMPTY_JSON) },
    layers: [{ ...descriptor(SIMPLE_SIGNING, payload), annotations: { [SIGNATURE_ANNOTATION]: signature } }],
    subject,
  });
  return { manifest, blobs: [EMPTY_JSON, payload] };
}

export function sigTag(subject: string): string {
  return `${subject.replace(':', '-')}.sig`;
}

export function enforce(...keys: TestKey[]): Record<string, unknown> {
  return { mode: 'enforce', cosign: { keys: keys.map((key, i) => ({ name: `key${i}`, publicKey: key.publicPem })) } };
}
