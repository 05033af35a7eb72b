import { createHash, sign } from 'node:crypto';
import { EMPTY_CONFIG, candidateOf, digestOf, type TestKey } from './candidates.js';

/** Sigstore bundles shaped like those `cosign sign --key` (v3) attaches, built and signed in memory. */

export const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export function statementFor(subject: string, predicateType = 'https://sigstore.dev/cosign/sign/v1'): string {
  return JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: subject.slice(7) }, annotations: {} }], predicateType, predicate: {} });
}

/** DSSE pre-authentication encoding of a payload. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
}

export interface BundleOptions {
  statement?: string;
  /** Sign these bytes' PAE instead of the statement's (a tampered envelope). */
  signedStatement?: string;
  payloadType?: string;
  certificate?: boolean;
}

export function bundleJson(key: TestKey, subject: string, options: BundleOptions = {}): Record<string, unknown> {
  const payload = Buffer.from(options.statement ?? statementFor(subject));
  const payloadType = options.payloadType ?? PAYLOAD_TYPE;
  const signed = options.signedStatement === undefined ? payload : Buffer.from(options.signedStatement);
  const sig = sign('sha256', preAuthEncoding(payloadType, signed), key.privateKey).toString('base64');
  const hint = createHash('sha256').update(key.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  const verificationMaterial = options.certificate === true
    ? { certificate: { rawBytes: Buffer.from('not really a certificate').toString('base64') } }
    : { publicKey: { hint } };
  return { mediaType: BUNDLE_TYPE, verificationMaterial, dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig }] } };
}

/** A referrer holding `bundle` (an object, or raw text) as its one layer. */
export function bundleCandidate(subject: string, bundle: unknown, annotations: Record<string, string> = {}) {
  const bytes = typeof bundle === 'string' ? bundle : JSON.stringify(bundle);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: BUNDLE_TYPE,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: BUNDLE_TYPE, digest: digestOf(bytes), size: Buffer.byteLength(bytes) }],
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1', ...annotations },
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject, size: 500 },
  };
  return candidateOf(manifest, { [digestOf(bytes)]: bytes }, { artifactType: BUNDLE_TYPE });
}
