import { z } from 'zod';

/**
 * What notation's two envelopes (JWS and COSE) share: the signed attributes in their protected headers
 * (signing scheme, signing time, expiry, and the critical list naming them) and the payload that
 * names the signed manifest.
 */

export const SIGNING_SCHEME = 'io.cncf.notary.signingScheme';
export const SIGNING_TIME = 'io.cncf.notary.signingTime';
export const EXPIRY = 'io.cncf.notary.expiry';
const AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
const PAYLOAD_CONTENT_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
const VERIFICATION_PLUGIN = 'io.cncf.notary.verificationPlugin';
const VERIFICATION_PLUGIN_MIN_VERSION = 'io.cncf.notary.verificationPluginMinVersion';

/** The critical attributes this verifier understands; a signature naming any other is refused. */
export const UNDERSTOOD_CRITICAL = [SIGNING_SCHEME, EXPIRY, AUTHENTIC_SIGNING_TIME];

export interface SignedAttributes {
  contentType: unknown;
  signingScheme: unknown;
  signingTime: Date | undefined;
  expiry: Date | undefined;
  critical: readonly unknown[];
}

const payloadSchema = z.object({
  targetArtifact: z.object({ digest: z.string(), mediaType: z.string().optional(), size: z.number().optional() }),
});

/** Why the signed attributes are not acceptable (at `now`), or undefined. */
export function attributesProblem(attributes: SignedAttributes, now: Date): string | undefined {
  if (attributes.contentType !== PAYLOAD_CONTENT_TYPE) return 'the envelope’s content type is not a notation payload';
  if (attributes.critical.some((name) => name === VERIFICATION_PLUGIN || name === VERIFICATION_PLUGIN_MIN_VERSION)) {
    return 'signatures that require a notation verification plugin are not supported';
  }
  const unknown = attributes.critical.find((name) => typeof name !== 'string' || !UNDERSTOOD_CRITICAL.includes(name));
  if (unknown !== undefined) return `the envelope names an unsupported critical attribute ${JSON.stringify(unknown).slice(0, 80)}`;
  if (!attributes.critical.includes(SIGNING_SCHEME)) return 'the signing scheme is not marked critical';
  if (attributes.signingScheme === 'notary.x509.signingAuthority') return 'the notary.x509.signingAuthority scheme (a signing authority with timestamps) is not supported';
  if (attributes.signingScheme !== 'notary.x509') return 'the signing scheme is not notary.x509';
  if (attributes.signingTime === undefined) return 'the envelope has no valid signing time';
  if (attributes.expiry !== undefined) {
    if (!attributes.critical.includes(EXPIRY)) return 'the expiry is not marked critical';
    if (now.getTime() > attributes.expiry.getTime()) return `the signature expired at ${attributes.expiry.toISOString()}`;
  }
  return undefined;
}

/** An RFC 3339 time from a JWS header, or undefined. */
export function parseTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.length > 64 || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** Why the payload does not name `subject` as the signed artifact, or undefined. */
export function payloadProblem(payload: Uint8Array, subject: string): string | undefined {
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload).toString('utf8')));
  } catch {
    return 'the signed payload is not a notation payload';
  }
  return parsed.targetArtifact.digest === subject ? undefined : 'the signed payload is for another manifest digest';
}
