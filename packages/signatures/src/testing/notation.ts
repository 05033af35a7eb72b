import { FlattenedSign } from 'jose';
import { EMPTY_CONFIG, candidateOf, digestOf, ecKey, rsaKey, type TestKey } from './candidates.js';
import { makeCertificate, type TestCertificate } from './certificates.js';

/** notation-style JWS signatures and certificate chains, made in memory. */

export const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';

export interface Pki {
  root: TestCertificate;
  intermediate: TestCertificate;
  leaf: TestCertificate;
}

/** A root CA, an intermediate CA and a code-signing leaf for `cn`. */
export function makePki(cn: string, leafOptions: { notBefore?: Date; notAfter?: Date } = {}): Pki {
  const rootKey = ecKey();
  const intermediateKey = ecKey();
  const root = makeCertificate(rootKey, { subject: { C: 'US', O: 'Acme', CN: `${cn} root` }, ca: true });
  const intermediate = makeCertificate(intermediateKey, { subject: { C: 'US', O: 'Acme', CN: `${cn} CA` }, ca: true, issuer: { subject: root.subject, key: rootKey } });
  const leaf = makeCertificate(ecKey(), { subject: { C: 'US', ST: 'WA', O: 'Acme', CN: cn }, issuer: { subject: intermediate.subject, key: intermediateKey }, ...leafOptions });
  return { root, intermediate, leaf };
}

/** A self-signed code-signing certificate like `notation cert generate-test` makes (RSA, PS256). */
export function makeTestCertificate(cn: string): TestCertificate {
  return makeCertificate(rsaKey(), { subject: { C: 'US', ST: 'WA', L: 'Seattle', O: 'Notary', CN: cn } });
}

export interface JwsOptions {
  subject: string;
  /** Leaf first; the signer is chain[0]'s key unless `signWith` says otherwise. */
  chain: TestCertificate[];
  signWith?: TestKey;
  signingTime?: Date;
  expiry?: Date;
  /** Overrides of the protected header (set a key to undefined to drop it). */
  header?: Record<string, unknown>;
  payload?: string;
}

export function notationPayload(subject: string): string {
  return JSON.stringify({ targetArtifact: { digest: subject, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 500 } });
}

export async function notationJws(options: JwsOptions): Promise<Record<string, unknown>> {
  const key = options.signWith ?? options.chain[0]!.key;
  const alg = key.privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'PS256';
  const header: Record<string, unknown> = {
    alg,
    crit: ['io.cncf.notary.signingScheme', ...(options.expiry === undefined ? [] : ['io.cncf.notary.expiry'])],
    cty: 'application/vnd.cncf.notary.payload.v1+json',
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': (options.signingTime ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(options.expiry === undefined ? {} : { 'io.cncf.notary.expiry': options.expiry.toISOString().replace(/\.\d+Z$/, 'Z') }),
    ...options.header,
  };
  for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name];
  const crit = Object.fromEntries(((header.crit as string[] | undefined) ?? []).map((name) => [name, true]));
  const jws = await new FlattenedSign(Buffer.from(options.payload ?? notationPayload(options.subject)))
    .setProtectedHeader(header as { alg: string })
    .setUnprotectedHeader({ x5c: options.chain.map((certificate) => certificate.der.toString('base64')), 'io.cncf.notary.signingAgent': 'berth-test' })
    .sign(key.privateKey, { crit });
  return jws as unknown as Record<string, unknown>;
}

/** A notation signature referrer holding `envelope` (an object, or raw text) as its one layer. */
export function notationCandidate(subject: string, envelope: unknown, mediaType = 'application/jose+json') {
  const bytes = typeof envelope === 'string' ? envelope : envelope instanceof Uint8Array ? envelope : JSON.stringify(envelope);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { ...EMPTY_CONFIG, mediaType: NOTATION_SIGNATURE },
    layers: [{ mediaType, digest: digestOf(bytes), size: Buffer.byteLength(bytes) }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject, size: 500 },
  };
  return candidateOf(manifest, { [digestOf(bytes)]: bytes }, { artifactType: NOTATION_SIGNATURE });
}
