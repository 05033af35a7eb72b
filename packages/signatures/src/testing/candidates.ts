import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SignatureCandidate } from '../types.js';

/** Test content: manifests and blobs built in memory, keys made by Node's crypto. */

export function digestOf(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function randomSubject(seed: string): string {
  return digestOf(`image ${seed}`);
}

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
}

export function ecKey(curve: 'P-256' | 'P-384' = 'P-256'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function rsaKey(bits = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Signs as cosign does with a key: ECDSA/RSA over SHA-256 (DER signatures). */
export function cosignSign(key: TestKey, message: Uint8Array | string): string {
  return sign('sha256', Buffer.from(message), key.privateKey).toString('base64');
}

/** A candidate whose manifest is `manifest` (an object, or raw bytes) and whose blobs are `blobs`. */
export function candidateOf(
  manifest: unknown,
  blobs: Record<string, Uint8Array | string> = {},
  extra: Partial<Pick<SignatureCandidate, 'source' | 'artifactType'>> = {},
): SignatureCandidate & { reads: string[] } {
  const bytes = manifest instanceof Uint8Array ? manifest : Buffer.from(JSON.stringify(manifest));
  const reads: string[] = [];
  return {
    digest: digestOf(bytes),
    source: extra.source ?? 'local',
    ...(extra.artifactType === undefined ? {} : { artifactType: extra.artifactType }),
    manifest: bytes,
    reads,
    async readBlob(digest: string): Promise<Uint8Array> {
      reads.push(digest);
      const blob = blobs[digest];
      if (blob === undefined) throw new Error(`blob ${digest} not found`);
      return Buffer.from(blob);
    },
  };
}

export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 };

export function simpleSigningPayload(subject: string, type = 'cosign container image signature'): string {
  return JSON.stringify({ critical: { identity: { 'docker-reference': 'example.test/app' }, image: { 'docker-manifest-digest': subject }, type }, optional: null });
}

export interface CosignLayer {
  payload: string;
  signature?: string;
}

/** A cosign simple-signing manifest: legacy (`.sig` tag, image config) or OCI 1.1 (artifactType, subject). */
export function cosignSignatureCandidate(subject: string, layers: CosignLayer[], style: 'legacy' | 'oci-1-1' = 'legacy') {
  const blobs: Record<string, string> = {};
  const descriptors = layers.map(({ payload, signature }) => {
    blobs[digestOf(payload)] = payload;
    return {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: digestOf(payload),
      size: Buffer.byteLength(payload),
      annotations: signature === undefined ? {} : { 'dev.cosignproject.cosign/signature': signature },
    };
  });
  const artifact = 'application/vnd.dev.cosign.artifact.sig.v1+json';
  const manifest = style === 'legacy'
    ? { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { ...EMPTY_CONFIG, mediaType: 'application/vnd.oci.image.config.v1+json' }, layers: descriptors }
    : { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: artifact, config: { ...EMPTY_CONFIG, mediaType: artifact }, layers: descriptors, subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject, size: 500 } };
  return candidateOf(manifest, blobs, style === 'legacy' ? { source: 'cosign-tag' } : { artifactType: artifact });
}

/** A signed cosign layer for `subject`. */
export function signedLayer(key: TestKey, subject: string): CosignLayer {
  const payload = simpleSigningPayload(subject);
  return { payload, signature: cosignSign(key, payload) };
}
