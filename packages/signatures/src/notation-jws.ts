import { decodeProtectedHeader, flattenedVerify, type FlattenedJWS, type ProtectedHeaderParameters } from 'jose';
import { z } from 'zod';
import { NOTATION_JWS, type Descriptor } from './candidate-manifest.js';
import { parseChain, verifyChain } from './certificate-chain.js';
import { checkEachLayer, type CheckContext, type CheckOutcome } from './check-outcome.js';
import { EXPIRY, SIGNING_SCHEME, SIGNING_TIME, UNDERSTOOD_CRITICAL, attributesProblem, parseTime, payloadProblem } from './notation-envelope.js';
import type { SignatureCandidate } from './types.js';

/**
 * notation's JWS envelope: a JWS in flattened JSON serialization whose unprotected header carries the
 * certificate chain (`x5c`, leaf first). The chain is checked against the trust store and trusted
 * identities, then jose verifies the signature with the leaf's key, honouring the `crit` list.
 */

/** The algorithms notation signs with (RSASSA-PSS and ECDSA). */
const ALGORITHMS = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

const envelopeSchema = z.object({
  protected: z.string().max(16_384),
  payload: z.string().max(1_048_576),
  signature: z.string().max(16_384),
  header: z.object({ x5c: z.array(z.string()).max(100) }).loose(),
});

function parseEnvelope(bytes: Uint8Array): z.infer<typeof envelopeSchema> | string {
  try {
    return envelopeSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch {
    return 'the layer is not a JWS envelope with a certificate chain';
  }
}

async function checkLayer(layer: Descriptor, candidate: SignatureCandidate, { trust, subject, now }: CheckContext): Promise<CheckOutcome> {
  const envelope = parseEnvelope(await candidate.readBlob(layer.digest));
  if (typeof envelope === 'string') return { passed: false, reason: envelope };
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(envelope as FlattenedJWS);
  } catch {
    return { passed: false, reason: 'the JWS protected header does not parse' };
  }
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) return { passed: false, reason: 'the JWS algorithm is not one notation signs with' };
  const signingTime = parseTime(header[SIGNING_TIME]);
  const problem = attributesProblem({
    contentType: header.cty,
    signingScheme: header[SIGNING_SCHEME],
    signingTime,
    expiry: header[EXPIRY] === undefined ? undefined : (parseTime(header[EXPIRY]) ?? new Date(0)),
    critical: Array.isArray(header.crit) ? header.crit : [],
  }, now);
  if (problem !== undefined) return { passed: false, reason: problem };
  const chain = parseChain(envelope.header.x5c);
  if (typeof chain === 'string') return { passed: false, reason: chain };
  const verified = verifyChain(chain, trust, [signingTime!, now]);
  if (!verified.ok) return { passed: false, reason: verified.reason };
  let payload: Uint8Array;
  try {
    const crit = Object.fromEntries(UNDERSTOOD_CRITICAL.map((name) => [name, true]));
    ({ payload } = await flattenedVerify(envelope as FlattenedJWS, verified.leaf.publicKey, { algorithms: ALGORITHMS, crit }));
  } catch {
    return { passed: false, reason: `the JWS signature does not verify with the certificate of ${verified.identity}` };
  }
  const payloadIssue = payloadProblem(payload, subject);
  if (payloadIssue !== undefined) return { passed: false, reason: payloadIssue };
  return { passed: true, signer: verified.identity, reason: `notation signature verified for ${verified.identity}` };
}

export const checkNotationJws = checkEachLayer((type) => type === NOTATION_JWS, checkLayer);
